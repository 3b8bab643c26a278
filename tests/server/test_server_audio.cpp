// The audio endpoints and the client-connection watch, without a GPU: /v1/audio/speech with the espeak-ng voice over
// loopback HTTP gives what the voice itself says (WAV at its rate, PCM at 24 kHz), and
// both audio endpoints refuse bad requests with OpenAI's error shape. (Transcription
// with a model is checked by the OpenAI SDK test against `vole transcribe`.)
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "audio/decode.h"
#include "server/api_server.h"
#include "server/client_connection.h"
#include "server/openai_audio.h"
#include "speech/espeak_speaker.h"

using namespace vole;
using Json = nlohmann::json;

namespace {

std::vector<float> espeak_says(const std::string& text, const std::string& voice = "", double rate = 1.0) {
  speech::EspeakSpeaker speaker(speech::EspeakOptions{voice, rate});
  std::vector<float> samples;
  speaker.speak(text, [&](std::span<const float> c) { samples.insert(samples.end(), c.begin(), c.end()); });
  return samples;
}

class ServerAudio : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerOptions options;
    options.port = 0;
    server_ = std::make_unique<server::ApiServer>(options);
    server_->add_speech_model("espeak-ng", [](const std::string& voice, double speed) {
      return std::make_unique<speech::EspeakSpeaker>(speech::EspeakOptions{voice, speed});
    });
    port_ = server_->start();
  }
  httplib::Result post_json(const std::string& path, const Json& body) {
    httplib::Client cli("127.0.0.1", port_);
    cli.set_read_timeout(60);
    return cli.Post(path.c_str(), body.dump(), "application/json");
  }
  std::unique_ptr<server::ApiServer> server_;
  int port_ = 0;
};

}  // namespace

// espeak-ng's output varies by a few milliseconds from one call to the next, so the
// server's audio is compared with the voice's by format, rate and length.
TEST_F(ServerAudio, SpeechIsTheVoicesOwnAudio) {
  const std::string text = "Hello from Vole. This is a test.";
  const double want_s = static_cast<double>(espeak_says(text).size()) / 22050;
  ASSERT_GT(want_s, 1.0);
  auto r = post_json("/v1/audio/speech", {{"model", "espeak-ng"}, {"input", text}, {"voice", "alloy"}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body.substr(0, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "audio/wav");
  std::vector<uint8_t> bytes(r->body.begin(), r->body.end());
  audio::Audio wav = audio::decode_audio(bytes, "reply", 0);
  EXPECT_EQ(wav.sample_rate, 22050) << "the voice's own rate";
  EXPECT_NEAR(wav.seconds(), want_s, 0.05 * want_s) << "OpenAI's voice names get the default voice";
  double peak = 0;
  for (float x : wav.samples) peak = std::max(peak, static_cast<double>(std::abs(x)));
  EXPECT_GT(peak, 0.05) << "speech, not silence";

  // Another voice and speed, as 16-bit PCM at 24 kHz.
  const double german_s = static_cast<double>(espeak_says(text, "de", 1.5).size()) / 22050;
  r = post_json("/v1/audio/speech",
                {{"model", "espeak-ng"}, {"input", text}, {"voice", "de"}, {"speed", 1.5}, {"response_format", "pcm"}});
  ASSERT_EQ(r->status, 200) << r->body.substr(0, 200);
  ASSERT_EQ(r->body.size() % 2, 0u);
  EXPECT_NEAR(r->body.size() / 2.0 / server::kPcmSampleRate, german_s, 0.05 * german_s);
  EXPECT_LT(german_s, 0.9 * want_s) << "faster speech is shorter";
}

TEST_F(ServerAudio, BadRequestsAreRefused) {
  auto status = [&](const Json& body) {
    auto r = post_json("/v1/audio/speech", body);
    EXPECT_TRUE(r && Json::parse(r->body, nullptr, false).contains("error")) << body.dump();
    return r ? r->status : -1;
  };
  EXPECT_EQ(status({{"model", "espeak-ng"}}), 400);
  EXPECT_EQ(status({{"model", "espeak-ng"}, {"input", ""}}), 400);
  EXPECT_EQ(status({{"model", "espeak-ng"}, {"input", std::string(5000, 'a')}}), 400);
  EXPECT_EQ(status({{"model", "espeak-ng"}, {"input", "hi"}, {"response_format", "mp3"}}), 400);
  EXPECT_EQ(status({{"model", "espeak-ng"}, {"input", "hi"}, {"speed", 9}}), 400);
  EXPECT_EQ(status({{"model", "espeak-ng"}, {"input", "hi"}, {"voice", "no-such-voice-xyz"}}), 400);
  EXPECT_EQ(status({{"model", "tts-1"}, {"input", "hi"}}), 404);

  httplib::Client cli("127.0.0.1", port_);
  httplib::MultipartFormDataItems form = {{"file", "RIFF....", "a.wav", "audio/wav"}, {"model", "espeak-ng", "", ""}};
  auto r = cli.Post("/v1/audio/transcriptions", form);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << "a voice does not transcribe: " << r->body;
  EXPECT_EQ(Json::parse(r->body)["error"]["code"], "wrong_model_kind");
  form = {{"model", "espeak-ng", "", ""}};
  EXPECT_EQ(cli.Post("/v1/audio/transcriptions", form)->status, 400) << "no file";
  form = {{"file", "x", "a.wav", "audio/wav"}, {"model", "m", "", ""}, {"response_format", "srt", "", ""}};
  EXPECT_EQ(Json::parse(cli.Post("/v1/audio/transcriptions", form)->body)["error"]["param"], "response_format");
  form = {{"file", "x", "a.wav", "audio/wav"}, {"model", "m", "", ""}, {"language", "fr", "", ""}};
  EXPECT_EQ(Json::parse(cli.Post("/v1/audio/transcriptions", form)->body)["error"]["param"], "language");
  EXPECT_EQ(cli.Post("/v1/audio/transcriptions", "{}", "application/json")->status, 400) << "not a form";
}

TEST(ServerAudioFormats, TranscriptBodies) {
  std::vector<runtime::TranscriptSegment> segments(2);
  segments[0] = {0.0, 1.5, "Hello", {5, 6}, false};
  segments[1] = {2.0, 3.0, "there.", {7}, false};
  EXPECT_EQ(server::transcript_body(server::TranscriptFormat::Text, segments, 3.2).bytes, "Hello there.\n");
  EXPECT_EQ(Json::parse(server::transcript_body(server::TranscriptFormat::Json, segments, 3.2).bytes)["text"],
            "Hello there.");
  Json v = Json::parse(server::transcript_body(server::TranscriptFormat::VerboseJson, segments, 3.2).bytes);
  EXPECT_EQ(v["duration"], 3.2);
  EXPECT_EQ(v["segments"][1]["start"], 2.0);
  EXPECT_EQ(v["segments"][1]["tokens"], Json({7}));
}

// The socket watch behind cancelling non-streaming answers, on a real loopback TCP
// connection: found by its addresses, open while the client is, closed once it leaves.
TEST(ServerConnection, AClientThatLeavesIsSeen) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  socklen_t len = sizeof addr;
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  int client = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  sockaddr_in peer{};
  len = sizeof peer;
  int served = accept(listener, reinterpret_cast<sockaddr*>(&peer), &len);
  ASSERT_GE(served, 0);
  int server_port = ntohs(addr.sin_port), client_port = ntohs(peer.sin_port);

  server::ClientConnection watch("127.0.0.1", server_port, "127.0.0.1", client_port);
  ASSERT_TRUE(watch.found());
  EXPECT_FALSE(watch.closed());
  ASSERT_EQ(send(client, "GET", 3, 0), 3);  // a pipelined request is not a goodbye
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(watch.closed());
  close(client);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(watch.closed());
  EXPECT_FALSE(server::ClientConnection("127.0.0.1", server_port, "127.0.0.1", 1).found())
      << "another connection's addresses find nothing";
  close(served);
  close(listener);
}
