#include "ctp/session_config.hpp"

namespace shandian::ctp {

std::string SessionConfig::describe() const {
  std::string text = "broker=" + broker_id + " user=" + user_id + " investor=" + investor() +
                     " password=" + (password.empty() ? "empty" : "set") + " app_id=" + app_id +
                     " auth_code=" + (auth_code.empty() ? "empty" : "set") +
                     " resume=" + std::string(to_string(resume)) + " flow_dir=" + flow_dir.string() +
                     " trader_fronts=[";
  for (std::size_t i = 0; i < trader_fronts.size(); ++i) text += (i ? "," : "") + trader_fronts[i];
  text += "] md_fronts=[";
  for (std::size_t i = 0; i < md_fronts.size(); ++i) text += (i ? "," : "") + md_fronts[i];
  text += "]";
  return text;
}

std::filesystem::path resolve_library_dir(std::string_view flavour, const std::filesystem::path& package_lib_root) {
  if (flavour == "sfit" || flavour == "local") return package_lib_root / std::string(flavour);
  return std::filesystem::path(std::string(flavour));
}

}  // namespace shandian::ctp
