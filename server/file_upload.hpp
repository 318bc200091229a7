#pragma once
// Content mode's upload phase: the content of each file argument, as FileData frames ended by
// FileEnd, written into the session directory. Bytes the reader already buffered are written
// first; the rest of each payload goes socket -> pipe -> file by splice, never through user
// space (the socket must be nonblocking: nonblocking_splice.hpp). --max-file-bytes bounds the
// total, checked before each chunk is copied, so the files never grow past it. Each piece
// that arrives touches `activity`, which the session's idle deadline (--upload-timeout)
// watches.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/limits.hpp"
#include "core/request_decoding.hpp"
#include "core/unique_fd.hpp"
#include "ring/deadline.hpp"
#include "ring/ring.hpp"
#include "ring/stop_token.hpp"
#include "ring/task.hpp"
#include "server/frame_reader.hpp"
#include "server/session_directory.hpp"

namespace bro::server {

class FileUpload {
  public:
    FileUpload(ring::Ring& ring, FrameReader& reader, int socket, const ProtocolLimits& limits,
               std::uint64_t session_id, ring::Activity& activity)
        : ring_(ring),
          reader_(reader),
          socket_(socket),
          limits_(limits),
          session_id_(session_id),
          activity_(activity) {}

    // The path each of request.files becomes in argv (an argument naming a file sent earlier
    // shares its copy); nullopt when the client went away or `stop` was requested. Throws
    // ProtocolViolation, LimitExceeded, or std::system_error when a copy cannot be written.
    ring::Task<std::optional<std::vector<std::string>>> receive(const protocol::Request& request,
                                                                SessionDirectory& directory,
                                                                ring::StopToken stop);

    // The file bytes received so far (the audit record's share of "in").
    std::uint64_t uploaded() const { return uploaded_; }

  private:
    // Receives one file's frames into `file`; false when the client went away.
    ring::Task<bool> receive_file(int file, std::size_t index, ring::StopToken stop);
    ring::Task<bool> copy_payload(int file, std::uint32_t length, ring::StopToken stop);
    // Writes what waits in the splice pipe into `file`; false on stop.
    ring::Task<bool> flush_to_file(int file, ring::StopToken stop);
    void check_total(std::size_t file_index) const;

    ring::Ring& ring_;
    FrameReader& reader_;
    int socket_;
    const ProtocolLimits& limits_;
    std::uint64_t session_id_;
    ring::Activity& activity_;
    std::size_t uploaded_ = 0;
    UniqueFd splice_read_, splice_write_;  // made at the first payload that needs them
    std::size_t pipe_capacity_ = 0;
    std::size_t in_pipe_ = 0;  // bytes spliced into the pipe, not yet into the file
};

}  // namespace bro::server
