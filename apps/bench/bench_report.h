// halyard-bench's outputs and inputs: the table (bench.md, .csv, .json), rows
// read back from a bench.json (a baseline, or a row a --jobs worker wrote)
// through nlohmann::json, and the comparison against a baseline.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_rows.h"
#include "halyard/target_description.h"

namespace halyard_bench {

// The cluster's ceilings, from its target description: cores x
// core.macs_per_cycle int8 MAC/cycle, and dma.bytes_per_cycle between L2 and L1.
struct Ceilings {
    int cores = 0;
    double macs_per_cycle = 0;
    double dma_bytes_per_cycle = 0;
};
Ceilings ceilings_of(const halyard::TargetDescription &t);

nlohmann::json row_to_json(const Row &r);
// `where` names the row in messages ("base.json: row 3").
Row row_from_json(const nlohmann::json &j, const std::string &where);
// A bench.json: an array of rows. Throws std::runtime_error naming the file,
// the row and the field when it cannot be read.
std::vector<Row> read_rows(const std::string &path);

// Writes DIR/bench.md, bench.csv and bench.json; returns the Markdown table.
std::string write_tables(const std::vector<Row> &rows, const std::string &dir, const Ceilings &c);

// Each row of `now` against the row of `base` with the same layer and
// configuration: a line per row with both cycle counts and the change.
// `regressions` counts rows slower than max_slowdown x the baseline (and rows
// that failed now but passed then).
struct Comparison {
    std::string text;
    int regressions = 0;
};
Comparison compare_rows(const std::vector<Row> &now, const std::vector<Row> &base, double max_slowdown);

}  // namespace halyard_bench
