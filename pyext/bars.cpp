// Bars from recorded ticks (cpp/bars/history.hpp) and one instrument's ticks of a tick CSV
// (cpp/sim/feed/csv_ticks.hpp), as dicts of numpy arrays: convert, forward. shandian/history.py is the API.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "bars/history.hpp"
#include "bindings.hpp"
#include "sim/feed/csv_ticks.hpp"

namespace py = pybind11;

namespace shandian::pyext {
namespace {

template <class T>
py::array_t<T> to_array(std::vector<T>&& values) {
  auto* owned = new std::vector<T>(std::move(values));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(static_cast<py::ssize_t>(owned->size()), owned->data(), free_when_done);
}

template <class T>
using Column = py::array_t<T, py::array::c_style | py::array::forcecast>;

template <class T>
const T* column_data(const Column<T>& column, std::size_t size, const char* name) {
  if (column.ndim() != 1 || static_cast<std::size_t>(column.shape(0)) != size) {
    throw py::value_error(std::string("column '") + name + "': expected a 1-D array of " + std::to_string(size) +
                          " values (as many as time_ms)");
  }
  return column.data();
}

}  // namespace

void bind_bars(py::module_& m) {
  py::register_exception<sim::CsvFormatError>(m, "CsvFormatError", PyExc_ValueError);
  py::register_exception<sim::CsvUnknownInstrumentError>(m, "CsvUnknownInstrumentError", PyExc_ValueError);
  py::register_exception<sim::CsvOrderError>(m, "CsvOrderError", PyExc_ValueError);
  py::register_exception<bars::TickOrderError>(m, "TickOrderError", PyExc_ValueError);

  m.def(
      "read_csv_ticks",
      [](const std::string& path, const std::string& symbol) {
        bars::TickColumns t;
        try {
          py::gil_scoped_release no_gil;
          t = sim::read_csv_ticks(path, symbol);
        } catch (const sim::UnknownInstrumentError& e) {
          throw py::key_error(e.what());
        }
        py::dict d;
        d["time_ms"] = to_array(std::move(t.time_ms));
        d["trading_day"] = to_array(std::move(t.trading_day));
        d["last_price"] = to_array(std::move(t.last_price));
        d["volume"] = to_array(std::move(t.volume));
        d["turnover"] = to_array(std::move(t.turnover));
        d["open_interest"] = to_array(std::move(t.open_interest));
        d["bid_price_1"] = to_array(std::move(t.bid_price_1));
        d["ask_price_1"] = to_array(std::move(t.ask_price_1));
        d["bid_volume_1"] = to_array(std::move(t.bid_volume_1));
        d["ask_volume_1"] = to_array(std::move(t.ask_volume_1));
        return d;
      },
      py::arg("path"), py::arg("symbol"),
      "The ticks of SYMBOL in a tick CSV (native or vn.py dialect, read by the local front's CsvSource) as a\n"
      "dict of numpy columns. CsvFormatError / CsvOrderError for a bad file, KeyError for a symbol without rows.");

  m.def(
      "trading_days_of",
      [](const Column<std::int64_t>& time_ms) {
        std::vector<std::uint32_t> days(static_cast<std::size_t>(time_ms.size()));
        const std::int64_t* t = time_ms.data();
        for (std::size_t i = 0; i < days.size(); ++i) days[i] = bars::trading_day_of_exchange_ms(t[i]);
        return to_array(std::move(days));
      },
      py::arg("time_ms"), "Trading day (YYYYMMDD, uint32) of each exchange time (ms), by the weekday calendar.");

  m.def(
      "build_bars",
      [](const std::string& symbol, const std::string& interval, const Column<std::int64_t>& time_ms,
         const Column<std::uint32_t>& trading_day, const Column<double>& last_price, const Column<std::int64_t>& volume,
         const Column<double>& turnover, const Column<double>& open_interest, std::optional<std::int64_t> clock_ms) {
        const auto size = static_cast<std::size_t>(time_ms.size());
        bars::TickColumnsView view{size,
                                   column_data(time_ms, size, "time_ms"),
                                   column_data(trading_day, size, "trading_day"),
                                   column_data(last_price, size, "last_price"),
                                   column_data(volume, size, "volume"),
                                   column_data(turnover, size, "turnover"),
                                   column_data(open_interest, size, "open_interest")};
        bars::BarColumns b;
        try {
          py::gil_scoped_release no_gil;
          b = bars::build_bars(symbol, bars::parse_interval(interval), view,
                               clock_ms.value_or(std::numeric_limits<std::int64_t>::min()));
        } catch (const bars::UnknownProductError& e) {
          throw py::key_error(e.what());
        }
        py::dict d;
        d["start_ms"] = to_array(std::move(b.start_ms));
        d["end_ms"] = to_array(std::move(b.end_ms));
        d["trading_day"] = to_array(std::move(b.trading_day));
        d["open"] = to_array(std::move(b.open));
        d["high"] = to_array(std::move(b.high));
        d["low"] = to_array(std::move(b.low));
        d["close"] = to_array(std::move(b.close));
        d["volume"] = to_array(std::move(b.volume));
        d["turnover"] = to_array(std::move(b.turnover));
        d["open_interest"] = to_array(std::move(b.open_interest));
        d["open_interest_change"] = to_array(std::move(b.open_interest_change));
        d["tick_count"] = to_array(std::move(b.tick_count));
        d["filled"] = to_array(std::move(b.filled));
        py::dict stats;
        stats["accepted"] = b.stats.accepted;
        stats["stale"] = b.stats.stale;
        stats["out_of_session"] = b.stats.out_of_session;
        stats["no_price"] = b.stats.no_price;
        stats["malformed"] = b.stats.malformed;
        d["stats"] = stats;
        return d;
      },
      py::arg("symbol"), py::arg("interval"), py::arg("time_ms"), py::arg("trading_day"), py::arg("last_price"),
      py::arg("volume"), py::arg("turnover"), py::arg("open_interest"), py::arg("clock_ms") = py::none(),
      "Bars of INTERVAL ('1m', '5m', '1h', '1d', '<n>t', '<n>v') built by BarBuilder from one instrument's tick\n"
      "columns, as a dict of numpy columns plus 'stats' (ticks taken / refused by reason). CLOCK_MS: the exchange\n"
      "clock after the last tick (closes the bars it passed); None leaves the bar open at the last tick out.\n"
      "KeyError for a product not in the session table, ValueError for a bad interval, TickOrderError when\n"
      "time_ms goes backwards.");
}

}  // namespace shandian::pyext
