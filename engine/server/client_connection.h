#pragma once
// Whether the client of a request is still there, for a handler that waits without
// writing (a non-streaming answer). cpp-httplib 0.11 gives handlers no socket, so the
// connection is found once among this process's sockets by its two addresses (it stays
// open while its handler runs), then polled: a peer that closed or reset it reads as end
// of stream. Linux only (/proc/self/fd).
#include <string>

namespace vole::server {

class ClientConnection {
 public:
  ClientConnection(const std::string& local_addr, int local_port, const std::string& remote_addr, int remote_port);
  // True once the client has closed or reset the connection. False when its socket was
  // not found: nothing is cancelled on a guess.
  bool closed() const;
  bool found() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace vole::server
