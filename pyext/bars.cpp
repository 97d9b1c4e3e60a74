// Bars from recorded ticks (cpp/bars/history.hpp), one instrument's ticks of a tick CSV
// (cpp/sim/feed/csv_ticks.hpp), the local front's seeded generator in column chunks, the bundled instrument
// table and the trading-hours test, as dicts of numpy arrays: convert, forward. shandian/history.py and
// shandian/backtest/data.py are the API.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bars/history.hpp"
#include "bindings.hpp"
#include "sim/feed/calendar.hpp"
#include "sim/feed/csv_ticks.hpp"
#include "sim/feed/generator.hpp"
#include "sim/feed/instrument_table.hpp"

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

py::dict bar_dict(bars::BarColumns&& b) {
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
}

bars::TickColumnsView tick_view(const Column<std::int64_t>& time_ms, const Column<std::uint32_t>& trading_day,
                                const Column<double>& last_price, const Column<std::int64_t>& volume,
                                const Column<double>& turnover, const Column<double>& open_interest) {
  const auto size = static_cast<std::size_t>(time_ms.size());
  return bars::TickColumnsView{size,
                               column_data(time_ms, size, "time_ms"),
                               column_data(trading_day, size, "trading_day"),
                               column_data(last_price, size, "last_price"),
                               column_data(volume, size, "volume"),
                               column_data(turnover, size, "turnover"),
                               column_data(open_interest, size, "open_interest")};
}

// The local front's generator over `days` consecutive trading days, as the front runs them (the same seed,
// session and instrument table each day, the trading day moving to the next weekday), read in column chunks.
class TickGenerator {
 public:
  TickGenerator(const std::vector<std::string>& instruments, std::uint64_t seed, const std::string& trading_day,
                int days, bool start_with_night)
      : specs_(sim::select_instruments(instruments, trading_day)), days_left_(days) {
    options_.seed = seed;
    options_.trading_day = trading_day;
    options_.start_with_night = start_with_night;
    if (days < 1) throw py::value_error("days must be >= 1");
    source_ = std::make_unique<sim::GeneratorSource>(specs_, options_);
    --days_left_;
  }

  [[nodiscard]] std::vector<std::string> symbols() const {
    std::vector<std::string> out;
    for (const sim::InstrumentSpec& spec : specs_) out.push_back(spec.instrument_id);
    return out;
  }

  // Up to `max_rows` ticks (fewer only at the end of the last day; none after it).
  py::dict read(std::size_t max_rows) {
    std::vector<std::int32_t> instrument;
    std::vector<std::int64_t> time_ms, volume;
    std::vector<std::uint32_t> trading_day;
    std::vector<double> last, turnover, oi, bid, ask, upper, lower;
    std::vector<std::int32_t> bid_volume, ask_volume;
    {
      py::gil_scoped_release no_gil;
      const auto value = [](double v) { return v == DBL_MAX ? std::nan("") : v; };
      while (instrument.size() < max_rows && source_) {
        if (!source_->next(event_)) {
          if (days_left_ == 0) {
            source_.reset();
            break;
          }
          --days_left_;
          options_.trading_day = sim::format_yyyymmdd(sim::next_weekday(sim::parse_trading_day(options_.trading_day)));
          source_ = std::make_unique<sim::GeneratorSource>(specs_, options_);
          continue;
        }
        if (event_.kind != sim::FeedEvent::Kind::Tick) continue;
        const CThostFtdcDepthMarketDataField& t = event_.tick;
        const std::int64_t ms = event_.exchange_ns / 1'000'000;
        instrument.push_back(event_.instrument_index);
        time_ms.push_back(ms);
        trading_day.push_back(bars::trading_day_of_exchange_ms(ms));
        last.push_back(value(t.LastPrice));
        volume.push_back(t.Volume);
        turnover.push_back(value(t.Turnover));
        oi.push_back(value(t.OpenInterest));
        bid.push_back(value(t.BidPrice1));
        ask.push_back(value(t.AskPrice1));
        bid_volume.push_back(t.BidVolume1);
        ask_volume.push_back(t.AskVolume1);
        upper.push_back(value(t.UpperLimitPrice));
        lower.push_back(value(t.LowerLimitPrice));
      }
    }
    py::dict d;
    d["instrument"] = to_array(std::move(instrument));
    d["time_ms"] = to_array(std::move(time_ms));
    d["trading_day"] = to_array(std::move(trading_day));
    d["last_price"] = to_array(std::move(last));
    d["volume"] = to_array(std::move(volume));
    d["turnover"] = to_array(std::move(turnover));
    d["open_interest"] = to_array(std::move(oi));
    d["bid_price_1"] = to_array(std::move(bid));
    d["ask_price_1"] = to_array(std::move(ask));
    d["bid_volume_1"] = to_array(std::move(bid_volume));
    d["ask_volume_1"] = to_array(std::move(ask_volume));
    d["upper_limit"] = to_array(std::move(upper));
    d["lower_limit"] = to_array(std::move(lower));
    return d;
  }

 private:
  std::vector<sim::InstrumentSpec> specs_;
  sim::GeneratorOptions options_;
  int days_left_;
  std::unique_ptr<sim::GeneratorSource> source_;
  sim::FeedEvent event_;
};

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
        const bars::TickColumnsView view = tick_view(time_ms, trading_day, last_price, volume, turnover, open_interest);
        bars::BarColumns b;
        try {
          py::gil_scoped_release no_gil;
          b = bars::build_bars(symbol, bars::parse_interval(interval), view,
                               clock_ms.value_or(std::numeric_limits<std::int64_t>::min()));
        } catch (const bars::UnknownProductError& e) {
          throw py::key_error(e.what());
        }
        return bar_dict(std::move(b));
      },
      py::arg("symbol"), py::arg("interval"), py::arg("time_ms"), py::arg("trading_day"), py::arg("last_price"),
      py::arg("volume"), py::arg("turnover"), py::arg("open_interest"), py::arg("clock_ms") = py::none(),
      "Bars of INTERVAL ('1m', '5m', '1h', '1d', '<n>t', '<n>v') built by BarBuilder from one instrument's tick\n"
      "columns, as a dict of numpy columns plus 'stats' (ticks taken / refused by reason). CLOCK_MS: the exchange\n"
      "clock after the last tick (closes the bars it passed); None leaves the bar open at the last tick out.\n"
      "KeyError for a product not in the session table, ValueError for a bad interval, TickOrderError when\n"
      "time_ms goes backwards.");

  m.def(
      "bundled_instrument",
      [](const std::string& symbol, const std::string& trading_day) {
        std::vector<sim::InstrumentSpec> specs;
        try {
          specs =
              trading_day.empty() ? sim::select_instruments({symbol}) : sim::select_instruments({symbol}, trading_day);
        } catch (const sim::UnknownInstrumentError& e) {
          throw py::key_error(e.what());
        }
        const sim::InstrumentSpec& spec = specs.at(0);
        py::dict d;
        d["symbol"] = spec.instrument_id;
        d["product"] = spec.product_id;
        d["exchange"] = spec.exchange_id;
        d["price_tick"] = spec.price_tick;
        d["volume_multiple"] = spec.volume_multiple;
        return d;
      },
      py::arg("symbol"), py::arg("trading_day") = "",
      "The local front's bundled instrument row of SYMBOL (a contract or product id): symbol, product, exchange,\n"
      "price_tick, volume_multiple. KeyError naming the symbol when the table has no such product.");

  m.def(
      "trading_hours_mask",
      [](const std::vector<std::string>& symbols, const Column<std::int32_t>& instrument,
         const Column<std::int64_t>& time_ms) {
        std::vector<std::unique_ptr<bars::BarBuilder>> hours;
        try {
          for (const std::string& symbol : symbols) hours.push_back(std::make_unique<bars::BarBuilder>(symbol));
        } catch (const bars::UnknownProductError& e) {
          throw py::key_error(e.what());
        }
        const auto size = static_cast<std::size_t>(time_ms.size());
        const std::int32_t* index = column_data(instrument, size, "instrument");
        const std::int64_t* t = time_ms.data();
        std::vector<std::uint8_t> inside(size);
        for (std::size_t i = 0; i < size; ++i) {
          if (index[i] < 0 || static_cast<std::size_t>(index[i]) >= hours.size()) {
            throw py::index_error("instrument " + std::to_string(index[i]) + " at row " + std::to_string(i) +
                                  ": not an index into symbols");
          }
          const std::int64_t natural = bars::natural_day_of_exchange_ms(t[i]);
          const auto ms_of_day = static_cast<std::int32_t>(t[i] - natural * bars::kMsPerDay);
          inside[i] =
              hours[static_cast<std::size_t>(index[i])]->in_trading_hours(ms_of_day) && bars::on_a_trading_day(t[i]);
        }
        return to_array(std::move(inside)).attr("astype")("bool");
      },
      py::arg("symbols"), py::arg("instrument"), py::arg("time_ms"),
      "True where exchange time TIME_MS of symbols[INSTRUMENT] is inside its product's trading hours on a\n"
      "trading day (the windows, opening auctions and close grace the bar builder takes ticks in).\n"
      "KeyError for a product not in the session table.");

  py::class_<TickGenerator>(m, "TickGenerator",
                            "The local front's seeded generator read in column chunks over consecutive trading days.")
      .def(py::init<const std::vector<std::string>&, std::uint64_t, const std::string&, int, bool>(),
           py::arg("instruments"), py::arg("seed"), py::arg("trading_day"), py::arg("days") = 1,
           py::arg("start_with_night") = false)
      .def_property_readonly("symbols", &TickGenerator::symbols)
      .def("read", &TickGenerator::read, py::arg("max_rows"),
           "Up to MAX_ROWS ticks as numpy columns (prices without a value are NaN); empty after the last day.");

  py::class_<bars::ColumnBarBuilder>(m, "ColumnBarBuilder",
                                     "One instrument's BarBuilder fed tick columns in pieces (state carries over).")
      .def(py::init([](const std::string& symbol, const std::string& interval) {
             try {
               return std::make_unique<bars::ColumnBarBuilder>(symbol, bars::parse_interval(interval));
             } catch (const bars::UnknownProductError& e) {
               throw py::key_error(e.what());
             }
           }),
           py::arg("symbol"), py::arg("interval"))
      .def(
          "feed",
          [](bars::ColumnBarBuilder& self, const Column<std::int64_t>& time_ms,
             const Column<std::uint32_t>& trading_day, const Column<double>& last_price,
             const Column<std::int64_t>& volume, const Column<double>& turnover, const Column<double>& open_interest) {
            const bars::TickColumnsView view =
                tick_view(time_ms, trading_day, last_price, volume, turnover, open_interest);
            bars::BarColumns b;
            {
              py::gil_scoped_release no_gil;
              self.feed(view, b);
            }
            return bar_dict(std::move(b));
          },
          py::arg("time_ms"), py::arg("trading_day"), py::arg("last_price"), py::arg("volume"), py::arg("turnover"),
          py::arg("open_interest"), "The bars these ticks finish (dict of columns, as build_bars).")
      .def(
          "on_clock",
          [](bars::ColumnBarBuilder& self, std::int64_t clock_ms) {
            bars::BarColumns b;
            self.on_clock(clock_ms, b);
            return bar_dict(std::move(b));
          },
          py::arg("clock_ms"), "The bars the exchange clock at CLOCK_MS closes.");
}

}  // namespace shandian::pyext
