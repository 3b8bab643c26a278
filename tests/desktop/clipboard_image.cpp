// vole-test-clipboard FILE: owns the X clipboard with the picture in FILE (as an image,
// the way an image viewer's Copy does), prints "ready", and serves paste requests until
// killed. The window test pastes it into vole-desktop with a real Ctrl+V.
#include <QClipboard>
#include <QGuiApplication>
#include <QImage>
#include <cstdio>

int main(int argc, char** argv) {
  QGuiApplication app(argc, argv);
  if (argc != 2) {
    std::fprintf(stderr, "usage: vole-test-clipboard FILE\n");
    return 2;
  }
  QImage picture(QString::fromLocal8Bit(argv[1]));
  if (picture.isNull()) {
    std::fprintf(stderr, "vole-test-clipboard: cannot read %s\n", argv[1]);
    return 1;
  }
  QGuiApplication::clipboard()->setImage(picture);
  std::printf("ready\n");
  std::fflush(stdout);
  return app.exec();
}
