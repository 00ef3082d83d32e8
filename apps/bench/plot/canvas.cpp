#include "canvas.h"

#include <png.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>

namespace halyard_plot {

Canvas::Canvas(int width, int height, Rgb background)
    : width_(width), height_(height), pixels_(size_t(width) * height, background) {
    if (width <= 0 || height <= 0) throw std::invalid_argument("canvas size must be positive");
}

void Canvas::set(int x, int y, Rgb c) {
    if (x >= 0 && y >= 0 && x < width_ && y < height_) pixels_[size_t(y) * width_ + x] = c;
}

void Canvas::blend(int x, int y, Rgb c, int alpha) {
    if (x < 0 || y < 0 || x >= width_ || y >= height_ || alpha <= 0) return;
    Rgb &p = pixels_[size_t(y) * width_ + x];
    auto mix = [alpha](uint8_t from, uint8_t to) { return uint8_t((from * (255 - alpha) + to * alpha) / 255); };
    p = {mix(p.r, c.r), mix(p.g, c.g), mix(p.b, c.b)};
}

void Canvas::fill_rect(int x0, int y0, int x1, int y1, Rgb c) {
    if (x0 > x1) std::swap(x0, x1);
    if (y0 > y1) std::swap(y0, y1);
    for (int y = y0; y <= y1; y++) {
        for (int x = x0; x <= x1; x++) set(x, y, c);
    }
}

void Canvas::stroke_rect(int x0, int y0, int x1, int y1, Rgb c) {
    line(x0, y0, x1, y0, c);
    line(x1, y0, x1, y1, c);
    line(x1, y1, x0, y1, c);
    line(x0, y1, x0, y0, c);
}

void Canvas::line(double x0, double y0, double x1, double y1, Rgb c, int thickness, int dash) {
    const double len = std::hypot(x1 - x0, y1 - y0);
    const int steps = std::max(1, int(std::ceil(len * 2)));  // half-pixel steps: no holes
    const int lo = -(thickness - 1) / 2, hi = thickness / 2;
    for (int i = 0; i <= steps; i++) {
        const double t = double(i) / steps;
        if (dash > 0 && int(t * len / dash) % 2 == 1) continue;
        const int x = int(std::lround(x0 + t * (x1 - x0))), y = int(std::lround(y0 + t * (y1 - y0)));
        for (int dy = lo; dy <= hi; dy++) {
            for (int dx = lo; dx <= hi; dx++) set(x + dx, y + dy, c);
        }
    }
}

void Canvas::marker(double x, double y, Marker m, int r, Rgb c) {
    const int cx = int(std::lround(x)), cy = int(std::lround(y));
    for (int dy = -r; dy <= r; dy++) {
        for (int dx = -r; dx <= r; dx++) {
            bool in = false;
            switch (m) {
            case Marker::None: break;
            case Marker::Circle: in = dx * dx + dy * dy <= r * r; break;
            case Marker::Square: in = true; break;
            case Marker::Diamond: in = std::abs(dx) + std::abs(dy) <= r; break;
            }
            if (in) set(cx + dx, cy + dy, c);
        }
    }
}

namespace {

struct FileCloser {
    void operator()(FILE *f) const {
        if (f) std::fclose(f);
    }
};

}  // namespace

void Canvas::write_png(const std::string &path) const {
    std::unique_ptr<FILE, FileCloser> f(std::fopen(path.c_str(), "wb"));
    if (!f) throw std::runtime_error(path + ": cannot write the image");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!png || !info) throw std::runtime_error(path + ": libpng could not start");
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        throw std::runtime_error(path + ": libpng failed while writing");
    }
    png_init_io(png, f.get());
    png_set_IHDR(png, info, width_, height_, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < height_; y++) {
        png_write_row(png, reinterpret_cast<png_const_bytep>(&pixels_[size_t(y) * width_]));
    }
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
}

Canvas read_png(const std::string &path) {
    std::unique_ptr<FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
    if (!f) throw std::runtime_error(path + ": cannot open the image");
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!png || !info) throw std::runtime_error(path + ": libpng could not start");
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, nullptr);
        throw std::runtime_error(path + ": not a PNG image libpng can read");
    }
    png_init_io(png, f.get());
    png_read_info(png, info);
    const int w = (int)png_get_image_width(png, info), h = (int)png_get_image_height(png, info);
    png_set_expand(png);
    png_set_strip_16(png);
    png_set_strip_alpha(png);
    png_set_gray_to_rgb(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != size_t(w) * 3) {
        png_destroy_read_struct(&png, &info, nullptr);
        throw std::runtime_error(path + ": unexpected pixel format");
    }
    Canvas c(w, h, Rgb{});
    std::vector<uint8_t> row(size_t(w) * 3);
    for (int y = 0; y < h; y++) {
        png_read_row(png, row.data(), nullptr);
        for (int x = 0; x < w; x++) c.set(x, y, {row[3 * x], row[3 * x + 1], row[3 * x + 2]});
    }
    png_destroy_read_struct(&png, &info, nullptr);
    return c;
}

}  // namespace halyard_plot
