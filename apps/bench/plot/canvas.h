// An RGB raster with the few drawing operations the bench plots need
// (rectangles, thick solid or dashed lines, markers, an alpha mask for text)
// and PNG output through libpng. Drawing is not anti-aliased, so every
// series keeps its exact color (the plot test looks for legend colors).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace halyard_plot {

struct Rgb {
    uint8_t r = 0, g = 0, b = 0;
    bool operator==(const Rgb &o) const { return r == o.r && g == o.g && b == o.b; }
    bool operator!=(const Rgb &o) const { return !(*this == o); }
};

enum class Marker { None, Circle, Square, Diamond };

class Canvas {
public:
    Canvas(int width, int height, Rgb background);
    int width() const { return width_; }
    int height() const { return height_; }
    Rgb at(int x, int y) const { return pixels_[size_t(y) * width_ + x]; }

    void set(int x, int y, Rgb c);
    // Mixes `c` into a pixel with coverage alpha (0..255), for glyphs.
    void blend(int x, int y, Rgb c, int alpha);
    void fill_rect(int x0, int y0, int x1, int y1, Rgb c);      // inclusive corners
    void stroke_rect(int x0, int y0, int x1, int y1, Rgb c);
    // A line `thickness` pixels wide; dash > 0 draws dash-pixel dashes and gaps.
    void line(double x0, double y0, double x1, double y1, Rgb c, int thickness = 1, int dash = 0);
    void marker(double x, double y, Marker m, int radius, Rgb c);

    // Throws std::runtime_error naming the file when it cannot be written.
    void write_png(const std::string &path) const;

private:
    int width_, height_;
    std::vector<Rgb> pixels_;
};

// Reads a PNG back (8-bit RGB or RGBA); for the tests. Throws naming the file.
Canvas read_png(const std::string &path);

}  // namespace halyard_plot
