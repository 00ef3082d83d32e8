#include "chart.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace halyard_plot {

Rgb palette(int i) {
    static const Rgb colors[] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},  {148, 103, 189},
                                 {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};
    return colors[((i % 10) + 10) % 10];
}

namespace {

const Rgb kWhite{255, 255, 255}, kInk{40, 40, 40}, kGrid{225, 225, 225}, kFrame{90, 90, 90};
constexpr int kTitlePx = 20, kLabelPx = 15, kTickPx = 12, kLegendPx = 13;

// "1.5", "20", "0.25", "1e-05": short tick labels.
std::string format_tick(double v) {
    if (v == 0) return "0";
    std::ostringstream os;
    const double a = std::fabs(v);
    if (a >= 1e-3 && a < 1e7) {
        os << std::setprecision(3) << v;
    } else {
        os << std::setprecision(2) << std::scientific << v;
    }
    return os.str();
}

// Maps data values to pixels along one axis.
struct Scale {
    double lo, hi;
    bool log;
    int p0, p1;  // pixel of lo and of hi
    double t(double v) const { return log ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) : (v - lo) / (hi - lo); }
    double px(double v) const { return p0 + t(v) * (p1 - p0); }
};

std::vector<double> linear_ticks(double lo, double hi) {
    const double raw = (hi - lo) / 5;
    const double mag = std::pow(10, std::floor(std::log10(raw)));
    double step = mag;
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        if (m * mag >= raw) {
            step = m * mag;
            break;
        }
    }
    std::vector<double> t;
    for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) t.push_back(std::fabs(v) < step * 1e-9 ? 0 : v);
    return t;
}

// The axis range: the data's, widened a little; log axes to whole decades
// when they span several, linear ones from 0 for positive data.
void settle_range(const Axis &a, std::vector<double> values, double *lo, double *hi) {
    if (a.min != 0 || a.max != 0) {
        *lo = a.min;
        *hi = a.max;
        return;
    }
    if (a.log) values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !(v > 0); }), values.end());
    if (values.empty()) {
        *lo = a.log ? 1 : 0;
        *hi = a.log ? 10 : 1;
        return;
    }
    double mn = *std::min_element(values.begin(), values.end()), mx = *std::max_element(values.begin(), values.end());
    if (a.log) {
        double l = std::floor(std::log10(mn) - 0.05), h = std::ceil(std::log10(mx) + 0.05);
        if (h - l < 1) h = l + 1;
        *lo = std::pow(10, l);
        *hi = std::pow(10, h);
    } else {
        if (mn > 0) mn = 0;
        if (mx <= mn) mx = mn + 1;
        *lo = mn;
        *hi = mx + 0.08 * (mx - mn);
    }
}

struct Frame {
    int x0, y0, x1, y1;         // the data area
    int legend_x = 0;           // left edge of the legend column
};

// The legend column on the right: a swatch and a name per entry.
void draw_legend(Canvas &c, const Font &f, const Frame &fr, const std::vector<std::pair<std::string, Rgb>> &entries,
                 const std::vector<int> &styles) {
    const int row_h = f.line_height(kLegendPx) + 6;
    int y = fr.y0 + 4;
    for (size_t i = 0; i < entries.size(); i++) {
        const Rgb col = entries[i].second;
        const int style = styles[i];  // 0 swatch, 1 line, 2 dashed line, 3 marker only
        const int sx = fr.legend_x, sy = y + row_h / 2 - 1;
        if (style == 0) c.fill_rect(sx, sy - 6, sx + 22, sy + 6, col);
        else if (style == 3) c.marker(sx + 11, sy, Marker::Circle, 5, col);
        else {
            c.line(sx, sy, sx + 22, sy, col, 3, style == 2 ? 4 : 0);
            c.fill_rect(sx + 8, sy - 3, sx + 14, sy + 3, col);  // a solid patch even when dashed
        }
        f.draw(c, sx + 30, y + 2, entries[i].first, kLegendPx, kInk);
        y += row_h;
    }
}

int legend_width(const Font &f, const std::vector<std::pair<std::string, Rgb>> &entries) {
    int w = 0;
    for (const auto &e : entries) w = std::max(w, f.width(e.first, kLegendPx));
    return entries.empty() ? 0 : w + 30 + 16;
}

Frame layout(const Font &f, int width, int height, int legend_w, bool has_title, bool has_xlabel, int ytick_w) {
    Frame fr;
    fr.x0 = 20 + f.line_height(kLabelPx) + 8 + ytick_w + 8;
    fr.x1 = width - 20 - legend_w;
    fr.y0 = 16 + (has_title ? f.line_height(kTitlePx) + 10 : 0);
    fr.y1 = height - 16 - f.line_height(kTickPx) - 8 - (has_xlabel ? f.line_height(kLabelPx) + 8 : 0);
    fr.legend_x = fr.x1 + 16;
    if (fr.x1 - fr.x0 < 100 || fr.y1 - fr.y0 < 100) throw std::runtime_error("plot too small for its labels and legend");
    return fr;
}

void draw_titles(Canvas &c, const Font &f, const Frame &fr, const std::string &title, const std::string &xl,
                 const std::string &yl) {
    if (!title.empty()) f.draw(c, fr.x0, 14, title, kTitlePx, kInk);  // left-aligned: never clipped by a wide legend
    if (!xl.empty())
        f.draw(c, (fr.x0 + fr.x1) / 2, fr.y1 + 8 + f.line_height(kTickPx) + 6, xl, kLabelPx, kInk, Align::Center);
    if (!yl.empty()) f.draw(c, 16, (fr.y0 + fr.y1) / 2, yl, kLabelPx, kInk, Align::Center, true);
}

}  // namespace

Rendered render(const XYChart &ch, const Font &f, const std::string &path, int width, int height) {
    std::vector<double> xs, ys;
    for (const auto &s : ch.series) {
        if (s.x.size() != s.y.size()) throw std::invalid_argument("series '" + s.name + "': x and y differ in length");
        xs.insert(xs.end(), s.x.begin(), s.x.end());
        ys.insert(ys.end(), s.y.begin(), s.y.end());
    }
    double xlo, xhi, ylo, yhi;
    settle_range(ch.x, xs, &xlo, &xhi);
    settle_range(ch.y, ys, &ylo, &yhi);
    auto ticks = [](const Axis &a, double lo, double hi) {
        if (!a.log) return linear_ticks(lo, hi);
        std::vector<double> t;
        for (double e = std::ceil(std::log10(lo) - 1e-9); e <= std::log10(hi) + 1e-9; e++) t.push_back(std::pow(10, e));
        return t;
    };
    const std::vector<double> xt = ticks(ch.x, xlo, xhi), yt = ticks(ch.y, ylo, yhi);
    int ytick_w = 0;
    for (double v : yt) ytick_w = std::max(ytick_w, f.width(format_tick(v), kTickPx));
    Rendered out;
    std::vector<int> styles;
    for (const auto &s : ch.series) {
        if (s.name.empty()) continue;
        out.legend.push_back({s.name, s.color});
        styles.push_back(!s.connect ? 3 : s.dash ? 2 : 1);
    }
    const Frame fr = layout(f, width, height, legend_width(f, out.legend), !ch.title.empty(), !ch.x.label.empty(), ytick_w);
    Canvas c(width, height, kWhite);
    const Scale sx{xlo, xhi, ch.x.log, fr.x0, fr.x1}, sy{ylo, yhi, ch.y.log, fr.y1, fr.y0};
    // Grid (with the 2..9 minor lines of log decades), then ticks and their labels.
    auto minor = [](const Axis &a, double lo, double hi) {
        std::vector<double> m;
        if (!a.log) return m;
        for (double d = std::pow(10, std::floor(std::log10(lo))); d < hi; d *= 10) {
            for (int k = 2; k < 10; k++) {
                if (d * k > lo && d * k < hi) m.push_back(d * k);
            }
        }
        return m;
    };
    const Rgb kMinor{242, 242, 242};
    for (double v : minor(ch.x, xlo, xhi)) c.line(sx.px(v), fr.y0, sx.px(v), fr.y1, kMinor);
    for (double v : minor(ch.y, ylo, yhi)) c.line(fr.x0, sy.px(v), fr.x1, sy.px(v), kMinor);
    for (double v : xt) {
        c.line(sx.px(v), fr.y0, sx.px(v), fr.y1, kGrid);
        f.draw(c, int(sx.px(v)), fr.y1 + 6, format_tick(v), kTickPx, kInk, Align::Center);
    }
    for (double v : yt) {
        c.line(fr.x0, sy.px(v), fr.x1, sy.px(v), kGrid);
        f.draw(c, fr.x0 - 6, int(sy.px(v)) - f.line_height(kTickPx) / 2, format_tick(v), kTickPx, kInk, Align::Right);
    }
    // Series, clipped to the data area.
    for (const auto &s : ch.series) {
        auto inside = [&](double x, double y) { return !(ch.x.log && x <= 0) && !(ch.y.log && y <= 0); };
        for (size_t i = 0; s.connect && i + 1 < s.x.size(); i++) {
            if (!inside(s.x[i], s.y[i]) || !inside(s.x[i + 1], s.y[i + 1])) continue;
            double x0 = sx.px(s.x[i]), y0 = sy.px(s.y[i]), x1 = sx.px(s.x[i + 1]), y1 = sy.px(s.y[i + 1]);
            // Clip the segment against the top of the area (ceiling lines run out of it).
            if (y1 < fr.y0 && y0 >= fr.y0) {
                x1 = x0 + (x1 - x0) * (y0 - fr.y0) / (y0 - y1);
                y1 = fr.y0;
            }
            if (y0 < fr.y0 && y1 >= fr.y0) {
                x0 = x1 + (x0 - x1) * (y1 - fr.y0) / (y1 - y0);
                y0 = fr.y0;
            }
            if (y0 < fr.y0 && y1 < fr.y0) continue;
            c.line(x0, y0, x1, y1, s.color, s.thickness, s.dash);
        }
        for (size_t i = 0; i < s.x.size(); i++) {
            if (!inside(s.x[i], s.y[i])) continue;
            const double px = sx.px(s.x[i]), py = sy.px(s.y[i]);
            if (px < fr.x0 || px > fr.x1 || py < fr.y0 || py > fr.y1) continue;
            if (s.marker != Marker::None) c.marker(px, py, s.marker, 5, s.color);
            if (i < s.labels.size() && !s.labels[i].empty())
                f.draw(c, int(px) + 8, int(py) - f.line_height(kTickPx) - 2, s.labels[i], kTickPx, kInk);
        }
    }
    c.stroke_rect(fr.x0, fr.y0, fr.x1, fr.y1, kFrame);
    draw_titles(c, f, fr, ch.title, ch.x.label, ch.y.label);
    draw_legend(c, f, fr, out.legend, styles);
    c.write_png(path);
    out.path = path;
    out.width = width;
    out.height = height;
    out.plot_x0 = fr.x0;
    out.plot_y0 = fr.y0;
    out.plot_x1 = fr.x1;
    out.plot_y1 = fr.y1;
    return out;
}

Rendered render(const BarChart &ch, const Font &f, const std::string &path, int width, int height) {
    const size_t n = ch.categories.size();
    if (n == 0) throw std::invalid_argument("bar chart '" + ch.title + "' has no categories");
    double top = 0;
    for (size_t i = 0; i < n; i++) {
        double sum = 0;
        for (const auto &s : ch.stacks) {
            if (s.values.size() != n) throw std::invalid_argument("bar stack '" + s.name + "': one value per category");
            sum = ch.stacked ? sum + s.values[i] : std::max(sum, s.values[i]);
        }
        top = std::max(top, sum);
    }
    Axis ya;
    ya.label = ch.y_label;
    double lo, hi;
    settle_range(ya, {0, top}, &lo, &hi);
    const std::vector<double> yt = linear_ticks(lo, hi);
    int ytick_w = 0;
    for (double v : yt) ytick_w = std::max(ytick_w, f.width(format_tick(v), kTickPx));
    Rendered out;
    std::vector<int> styles;
    for (const auto &s : ch.stacks) {
        out.legend.push_back({s.name, s.color});
        styles.push_back(0);
    }
    const Frame fr = layout(f, width, height, legend_width(f, out.legend), !ch.title.empty(), !ch.x_label.empty(), ytick_w);
    Canvas c(width, height, kWhite);
    const Scale sy{lo, hi, false, fr.y1, fr.y0};
    for (double v : yt) {
        c.line(fr.x0, sy.px(v), fr.x1, sy.px(v), kGrid);
        f.draw(c, fr.x0 - 6, int(sy.px(v)) - f.line_height(kTickPx) / 2, format_tick(v), kTickPx, kInk, Align::Right);
    }
    const double slot = double(fr.x1 - fr.x0) / n;
    for (size_t i = 0; i < n; i++) {
        const double left = fr.x0 + slot * i + slot * 0.15, bar_w = slot * 0.7;
        double base = 0;
        for (size_t k = 0; k < ch.stacks.size(); k++) {
            const double v = ch.stacks[k].values[i];
            if (!(v > 0)) continue;
            if (ch.stacked) {
                c.fill_rect(int(left), int(sy.px(base + v)), int(left + bar_w), int(sy.px(base)) - 1, ch.stacks[k].color);
                base += v;
            } else {
                const double w = bar_w / ch.stacks.size();
                c.fill_rect(int(left + w * k), int(sy.px(v)), int(left + w * (k + 1)) - 1, int(sy.px(0)) - 1,
                            ch.stacks[k].color);
            }
        }
        f.draw(c, int(fr.x0 + slot * (i + 0.5)), fr.y1 + 6, ch.categories[i], kTickPx, kInk, Align::Center);
    }
    c.stroke_rect(fr.x0, fr.y0, fr.x1, fr.y1, kFrame);
    draw_titles(c, f, fr, ch.title, ch.x_label, ch.y_label);
    draw_legend(c, f, fr, out.legend, styles);
    c.write_png(path);
    out.path = path;
    out.width = width;
    out.height = height;
    out.plot_x0 = fr.x0;
    out.plot_y0 = fr.y0;
    out.plot_x1 = fr.x1;
    out.plot_y1 = fr.y1;
    return out;
}

}  // namespace halyard_plot
