# Locates the pinned SFIT CTP API 6.7.11 (headers + Linux libraries).
#
# Order of preference:
#   1. CTP_SDK_DIR (CMake cache variable or environment variable): a user's own SFIT download. It must
#      hold ThostFtdc{TraderApi,MdApi,UserApiStruct,UserApiDataType}.h and the two libthost*_se.so,
#      either side by side or under include/ctp and lib (both layouts are accepted).
#   2. A cache outside the source tree (SHANDIAN_CACHE_DIR, default ~/.cache/shandian/ctp-6.7.11.4),
#      filled on first use from the vnpy_ctp==6.7.11.4 sdist fetched *by name* with pip and checked
#      against a pinned sha256. The archive is only a carrier of SFIT's files: none of its wrapper code
#      is used.
#
# Defines:
#   ctp::headers      INTERFACE target with the SFIT include directory
#   ctp::trader_sfit  IMPORTED SHARED libthosttraderapi_se.so (no SONAME upstream: IMPORTED_NO_SONAME)
#   ctp::md_sfit      IMPORTED SHARED libthostmduserapi_se.so
#   CTP_SDK_INCLUDE_DIR, CTP_SDK_LIB_DIR, CTP_SDK_VERSION

include(CtpSdkFetch)

if(NOT CTP_SDK_DIR AND DEFINED ENV{CTP_SDK_DIR})
  set(CTP_SDK_DIR "$ENV{CTP_SDK_DIR}")
endif()
set(CTP_SDK_DIR "${CTP_SDK_DIR}" CACHE PATH "SFIT CTP ${CTP_SDK_VERSION} directory (empty: fetch and cache)")

if(CTP_SDK_DIR)
  _ctp_probe("${CTP_SDK_DIR}" CTP_SDK_INCLUDE_DIR CTP_SDK_LIB_DIR)
  if(NOT CTP_SDK_INCLUDE_DIR OR NOT CTP_SDK_LIB_DIR)
    message(FATAL_ERROR "CTP_SDK_DIR=${CTP_SDK_DIR} does not hold the SFIT headers "
                        "(${CTP_HEADER_NAMES}) and libraries (${CTP_LIB_NAMES}).\n${_ctp_help_text}")
  endif()
else()
  if(DEFINED ENV{SHANDIAN_CACHE_DIR})
    set(_cache_root "$ENV{SHANDIAN_CACHE_DIR}")
  elseif(DEFINED ENV{XDG_CACHE_HOME})
    set(_cache_root "$ENV{XDG_CACHE_HOME}/shandian")
  else()
    set(_cache_root "$ENV{HOME}/.cache/shandian")
  endif()
  set(_sdk "${_cache_root}/ctp-6.7.11.4")
  _ctp_probe("${_sdk}" CTP_SDK_INCLUDE_DIR CTP_SDK_LIB_DIR)
  if(NOT CTP_SDK_INCLUDE_DIR OR NOT CTP_SDK_LIB_DIR)
    _ctp_fetch_into("${_sdk}")
    _ctp_probe("${_sdk}" CTP_SDK_INCLUDE_DIR CTP_SDK_LIB_DIR)
  endif()
endif()
message(STATUS "CTP SDK ${CTP_SDK_VERSION}: headers ${CTP_SDK_INCLUDE_DIR}, libraries ${CTP_SDK_LIB_DIR}")

add_library(ctp_headers INTERFACE)
add_library(ctp::headers ALIAS ctp_headers)
# SYSTEM: the vendor headers are not ours to hold to -Werror.
target_include_directories(ctp_headers SYSTEM INTERFACE "${CTP_SDK_INCLUDE_DIR}")

foreach(pair "trader_sfit;libthosttraderapi_se.so" "md_sfit;libthostmduserapi_se.so")
  list(GET pair 0 name)
  list(GET pair 1 file)
  add_library(ctp_${name} SHARED IMPORTED GLOBAL)
  set_target_properties(ctp_${name} PROPERTIES
    IMPORTED_LOCATION "${CTP_SDK_LIB_DIR}/${file}"
    IMPORTED_NO_SONAME TRUE)
  add_library(ctp::${name} ALIAS ctp_${name})
endforeach()
