# Fetching and verifying the pinned CTP SDK carrier archive (included by CtpSdk.cmake).
# Script mode, used by tests: cmake -DCTP_VERIFY_ARCHIVE=<file> -P cmake/CtpSdkFetch.cmake

set(CTP_SDK_VERSION "6.7.11")
set(CTP_CARRIER_SPEC "vnpy_ctp==6.7.11.4")
set(CTP_CARRIER_FILE "vnpy_ctp-6.7.11.4.tar.gz")
set(CTP_CARRIER_SHA256 "c73a432171f9d45c341fa8472bed56e6ca00c97d6e04898dfa65593ff2d6fd2a")
set(CTP_HEADER_NAMES ThostFtdcTraderApi.h ThostFtdcMdApi.h ThostFtdcUserApiStruct.h ThostFtdcUserApiDataType.h)
set(CTP_LIB_NAMES libthosttraderapi_se.so libthostmduserapi_se.so)

set(_ctp_help_text
"Obtain the SFIT CTP API ${CTP_SDK_VERSION} for Linux x64 in one of two ways:
  (a) with network access to PyPI, let the build fetch it:
        pip download --no-deps --no-binary vnpy_ctp ${CTP_CARRIER_SPEC} -d <dir>
      and check: sha256sum <dir>/${CTP_CARRIER_FILE} == ${CTP_CARRIER_SHA256}
      then extract it and point CTP_SDK_DIR at <extracted>/vnpy_ctp/api (the build does exactly this);
  (b) download the official SFIT package (v6.7.11_20250617, 'traderapi' Linux x64) and set
        CTP_SDK_DIR=<dir holding the four ThostFtdc*.h headers and libthosttraderapi_se.so, libthostmduserapi_se.so>
      e.g.  CTP_SDK_DIR=$HOME/ctp pip install .")

# Finds headers and libraries below ROOT; sets OUT_INC / OUT_LIB or leaves them empty.
function(_ctp_probe root out_inc out_lib)
  set(${out_inc} "" PARENT_SCOPE)
  set(${out_lib} "" PARENT_SCOPE)
  foreach(cand "${root}" "${root}/include/ctp" "${root}/include")
    set(ok TRUE)
    foreach(h IN LISTS CTP_HEADER_NAMES)
      if(NOT EXISTS "${cand}/${h}")
        set(ok FALSE)
      endif()
    endforeach()
    if(ok)
      set(${out_inc} "${cand}" PARENT_SCOPE)
      break()
    endif()
  endforeach()
  foreach(cand "${root}" "${root}/lib" "${root}/linux")
    set(ok TRUE)
    foreach(l IN LISTS CTP_LIB_NAMES)
      if(NOT EXISTS "${cand}/${l}")
        set(ok FALSE)
      endif()
    endforeach()
    if(ok)
      set(${out_lib} "${cand}" PARENT_SCOPE)
      break()
    endif()
  endforeach()
endfunction()

# Fails configuration unless ARCHIVE has the pinned sha256.
function(ctp_verify_archive archive)
  file(SHA256 "${archive}" got)
  if(NOT got STREQUAL CTP_CARRIER_SHA256)
    message(FATAL_ERROR "CTP SDK: ${archive} has sha256 ${got}, expected ${CTP_CARRIER_SHA256}. "
                        "Refusing to build against an unverified vendor library.\n${_ctp_help_text}")
  endif()
endfunction()

# Fetches the carrier sdist by name, verifies it and copies the SFIT files into DEST.
function(_ctp_fetch_into dest)
  find_package(Python3 COMPONENTS Interpreter QUIET)
  set(dl "${dest}.download")
  file(REMOVE_RECURSE "${dl}")
  file(MAKE_DIRECTORY "${dl}")
  message(STATUS "CTP SDK: fetching ${CTP_CARRIER_SPEC} with pip (once; cached in ${dest})")
  # Inside an isolated PEP 517 build the interpreter's own site-packages (and so pip) are hidden by
  # PYTHONPATH/sitecustomize tricks: run pip with those variables removed so it is the user's pip.
  set(pip_cmd "")
  if(Python3_EXECUTABLE)
    set(pip_cmd "${Python3_EXECUTABLE}" -m pip)
  else()
    find_program(_pip NAMES pip3 pip)
    if(_pip)
      set(pip_cmd "${_pip}")
    endif()
  endif()
  if(NOT pip_cmd)
    message(FATAL_ERROR "CTP SDK: no Python/pip found to fetch ${CTP_CARRIER_SPEC}.\n${_ctp_help_text}")
  endif()
  execute_process(
    COMMAND "${CMAKE_COMMAND}" -E env --unset=PYTHONPATH --unset=PYTHONNOUSERSITE --unset=PIP_BUILD_TRACKER
            --unset=PYTHONSAFEPATH
            ${pip_cmd} download --disable-pip-version-check --no-deps --no-binary vnpy_ctp
            ${CTP_CARRIER_SPEC} -d "${dl}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(archive "${dl}/${CTP_CARRIER_FILE}")
  if(NOT rc EQUAL 0 OR NOT EXISTS "${archive}")
    message(FATAL_ERROR "CTP SDK: 'pip download ${CTP_CARRIER_SPEC}' failed (exit ${rc}).\n${err}\n${_ctp_help_text}")
  endif()
  ctp_verify_archive("${archive}")
  file(ARCHIVE_EXTRACT INPUT "${archive}" DESTINATION "${dl}/x")
  set(api "${dl}/x/vnpy_ctp-6.7.11.4/vnpy_ctp/api")
  _ctp_probe("${api}" inc lib)
  if(NOT inc OR NOT lib)
    message(FATAL_ERROR "CTP SDK: ${CTP_CARRIER_FILE} does not hold the expected SFIT files.\n${_ctp_help_text}")
  endif()
  file(MAKE_DIRECTORY "${dest}.tmp/include/ctp" "${dest}.tmp/lib")
  foreach(h IN LISTS CTP_HEADER_NAMES)
    file(COPY "${inc}/${h}" DESTINATION "${dest}.tmp/include/ctp")
  endforeach()
  foreach(l IN LISTS CTP_LIB_NAMES)
    file(COPY "${lib}/${l}" DESTINATION "${dest}.tmp/lib")
  endforeach()
  file(WRITE "${dest}.tmp/SOURCE.txt" "${CTP_CARRIER_SPEC} sha256=${CTP_CARRIER_SHA256}\n")
  # Rename last so an interrupted fetch never leaves a half-filled cache that looks complete.
  file(REMOVE_RECURSE "${dest}")
  file(RENAME "${dest}.tmp" "${dest}")
  file(REMOVE_RECURSE "${dl}")
endfunction()

if(CMAKE_SCRIPT_MODE_FILE AND DEFINED CTP_VERIFY_ARCHIVE)
  ctp_verify_archive("${CTP_VERIFY_ARCHIVE}")
  message(STATUS "CTP SDK: ${CTP_VERIFY_ARCHIVE} matches the pinned sha256")
endif()
