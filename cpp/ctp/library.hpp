// Loads a CTP library pair (trader + md) with dlopen and resolves the static factories by their mangled
// names, so one binary can run against the SFIT vendor libraries, shandian's local front, or any other
// ABI-compatible pair (TTS, LocalCTP) chosen at run time. Nothing here links against a CTP library.
#pragma once

#include <dlfcn.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>

#include "ThostFtdcMdApi.h"
#include "ThostFtdcTraderApi.h"

namespace shandian::ctp {

// Mangled names of CTP 6.7.11's exported statics (checked with nm -D on the vendor libraries).
inline constexpr const char* kTraderFactorySymbol = "_ZN19CThostFtdcTraderApi19CreateFtdcTraderApiEPKcb";
inline constexpr const char* kTraderVersionSymbol = "_ZN19CThostFtdcTraderApi13GetApiVersionEv";
inline constexpr const char* kMdFactorySymbol = "_ZN15CThostFtdcMdApi15CreateFtdcMdApiEPKcbbb";
inline constexpr const char* kMdVersionSymbol = "_ZN15CThostFtdcMdApi13GetApiVersionEv";
inline constexpr const char* kTraderLibraryName = "libthosttraderapi_se.so";
inline constexpr const char* kMdLibraryName = "libthostmduserapi_se.so";

// Raised when a library or one of its symbols cannot be loaded; the message names the file and symbol.
class LibraryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Owns one dlopen handle. RTLD_LOCAL keeps the vendor's many global symbols out of the process namespace
// so a different flavour can be loaded later in the same process without symbol interposition.
class DynamicLibrary {
 public:
  explicit DynamicLibrary(const std::filesystem::path& path) : path_(path.string()) {
    handle_ = ::dlopen(path_.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) {
      const char* why = ::dlerror();
      throw LibraryError("cannot load CTP library " + path_ + ": " + (why ? why : "unknown dlopen error"));
    }
  }
  DynamicLibrary(const DynamicLibrary&) = delete;
  DynamicLibrary& operator=(const DynamicLibrary&) = delete;
  DynamicLibrary(DynamicLibrary&& other) noexcept
      : path_(std::move(other.path_)), handle_(std::exchange(other.handle_, nullptr)) {}
  DynamicLibrary& operator=(DynamicLibrary&&) = delete;
  // The CTP APIs created from this library must be released before it is unloaded; vendor libraries also
  // start threads that do not survive dlclose, so the handle is kept for the life of the process unless
  // the owner asks otherwise. (dlclose of the SFIT library while an API exists crashes.)
  ~DynamicLibrary() = default;

  template <typename Fn>
  [[nodiscard]] Fn symbol(const char* name) const {
    ::dlerror();
    void* p = ::dlsym(handle_, name);
    if (p == nullptr) {
      throw LibraryError("CTP library " + path_ + " does not export " + name +
                         " (is it a CTP 6.7.11 library? older/newer API versions mangle differently)");
    }
    return reinterpret_cast<Fn>(p);
  }

  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  void* handle_ = nullptr;
};

// A trader + md pair from one directory, e.g. shandian/lib/sfit or shandian/lib/local.
class LibraryPair {
 public:
  using TraderFactory = CThostFtdcTraderApi* (*)(const char*, bool);
  using MdFactory = CThostFtdcMdApi* (*)(const char*, bool, bool, bool);
  using VersionFn = const char* (*)();

  explicit LibraryPair(const std::filesystem::path& dir)
      : trader_(dir / kTraderLibraryName),
        md_(dir / kMdLibraryName),
        create_trader_(trader_.symbol<TraderFactory>(kTraderFactorySymbol)),
        trader_version_(trader_.symbol<VersionFn>(kTraderVersionSymbol)),
        create_md_(md_.symbol<MdFactory>(kMdFactorySymbol)),
        md_version_(md_.symbol<VersionFn>(kMdVersionSymbol)) {}

  [[nodiscard]] std::string trader_version() const { return safe(trader_version_()); }
  [[nodiscard]] std::string md_version() const { return safe(md_version_()); }
  [[nodiscard]] const std::string& trader_path() const noexcept { return trader_.path(); }
  [[nodiscard]] const std::string& md_path() const noexcept { return md_.path(); }

  // The flow directory must exist before the call (a missing one crashes the vendor library).
  [[nodiscard]] CThostFtdcTraderApi* create_trader(const char* flow_path, bool production_mode = true) const {
    return create_trader_(flow_path, production_mode);
  }
  [[nodiscard]] CThostFtdcMdApi* create_md(const char* flow_path, bool udp = false, bool multicast = false,
                                           bool production_mode = true) const {
    return create_md_(flow_path, udp, multicast, production_mode);
  }

 private:
  static std::string safe(const char* s) { return s ? std::string(s) : std::string(); }

  DynamicLibrary trader_;
  DynamicLibrary md_;
  TraderFactory create_trader_;
  VersionFn trader_version_;
  MdFactory create_md_;
  VersionFn md_version_;
};

}  // namespace shandian::ctp
