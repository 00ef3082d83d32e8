// Charts for the bench: x/y plots (lines, scatter markers, linear or log
// axes: the roofline is log-log) and bar charts (grouped or stacked), with a
// title, axis labels, tick labels and a legend, drawn on a Canvas and written
// as PNG. render() reports where it put the plot area and the legend colors,
// so a test can check the image it decodes against them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "canvas.h"
#include "text.h"

namespace halyard_plot {

// Ten distinct colors (the "Tableau 10" hues); i wraps around.
Rgb palette(int i);

struct Axis {
    std::string label;
    bool log = false;
    double min = 0, max = 0;  // both 0: from the data (linear axes start at 0)
};

struct Series {
    std::string name;  // legend entry; "" = not in the legend
    Rgb color;
    std::vector<double> x, y;
    bool connect = true;               // draw lines between the points
    Marker marker = Marker::Circle;
    int thickness = 2;
    int dash = 0;                      // > 0: dashed line
    std::vector<std::string> labels;   // optional text beside each point
};

struct XYChart {
    std::string title;
    Axis x, y;
    std::vector<Series> series;
};

struct BarStack {
    std::string name;
    Rgb color;
    std::vector<double> values;  // one per category
};

struct BarChart {
    std::string title, y_label, x_label;
    std::vector<std::string> categories;
    std::vector<BarStack> stacks;
    bool stacked = true;  // false: the stacks' bars side by side
};

struct Rendered {
    std::string path;
    int width = 0, height = 0;
    int plot_x0 = 0, plot_y0 = 0, plot_x1 = 0, plot_y1 = 0;  // the data area, inclusive
    std::vector<std::pair<std::string, Rgb>> legend;
};

Rendered render(const XYChart &chart, const Font &font, const std::string &path, int width = 1100, int height = 620);
Rendered render(const BarChart &chart, const Font &font, const std::string &path, int width = 1100, int height = 620);

}  // namespace halyard_plot
