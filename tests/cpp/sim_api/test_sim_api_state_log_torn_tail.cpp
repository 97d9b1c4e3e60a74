// A state log whose last entry was torn by a kill mid-write is cut back to its complete entries before the
// next process appends: without the cut, the next entry would be read as the torn one's body and the log
// after it would no longer load ("not a local front state log").
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../support/check.hpp"
#include "sim/api/state_log.hpp"

using shandian::sim::InputEntry;
using shandian::sim::InputKind;
using shandian::sim::StateLog;

namespace {

std::vector<InputEntry> read_all(const std::string& path, std::size_t* complete = nullptr) {
  std::vector<InputEntry> entries;
  std::string error;
  REQUIRE(StateLog::read(path, entries, error, complete));
  CHECK(error.empty());
  return entries;
}

void append_entry(const std::string& path, std::size_t complete, std::int32_t a) {
  StateLog log;
  std::string error;
  REQUIRE(log.open(path, complete, error));
  const std::uint64_t body = 0x0102030405060708ULL;
  log.append(InputKind::FeedEvents, -1, 0, a, &body, sizeof body);
}

}  // namespace

int main() {
  const auto dir = std::filesystem::temp_directory_path() / ("shandian-torn-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "front.state").string();
  std::filesystem::remove(path);

  append_entry(path, 0, 1);
  std::size_t first = 0;
  REQUIRE(read_all(path, &first).size() == 1);
  append_entry(path, first, 2);
  std::size_t complete = 0;
  REQUIRE(read_all(path, &complete).size() == 2);
  CHECK_EQ(complete, static_cast<std::size_t>(std::filesystem::file_size(path)));

  {  // the kill: half of a third entry reaches the file
    std::ifstream in(path, std::ios::binary);
    const std::string whole((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out.write(whole.data(), static_cast<std::streamsize>(whole.size() / 3));
  }
  std::size_t before_torn = 0;
  CHECK_EQ(read_all(path, &before_torn).size(), std::size_t{2});  // the torn entry is ignored
  CHECK_EQ(before_torn, complete);

  append_entry(path, before_torn, 3);  // the next process
  std::size_t after = 0;
  const std::vector<InputEntry> entries = read_all(path, &after);
  REQUIRE(entries.size() == 3);
  CHECK_EQ(entries[2].a, 3);
  CHECK_EQ(after, static_cast<std::size_t>(std::filesystem::file_size(path)));

  std::filesystem::remove_all(dir);
  return shandian::testing::finish("test_sim_api_state_log_torn_tail");
}
