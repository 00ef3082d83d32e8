// Text for the plots, rendered by FreeType from a TrueType font (DejaVu Sans
// from Debian's fonts-dejavu-core; its path is found at configure time).
#pragma once

#include <memory>
#include <string>

#include "canvas.h"

namespace halyard_plot {

enum class Align { Left, Center, Right };

class Font {
public:
    // Throws std::runtime_error naming the file when FreeType cannot load it.
    explicit Font(const std::string &path);
    ~Font();
    Font(const Font &) = delete;
    Font &operator=(const Font &) = delete;

    // Width and height (ascent + descent) in pixels of `text` at `px` pixels.
    int width(const std::string &text, int px) const;
    int line_height(int px) const;
    // Draws `text` (ASCII/Latin-1 as UTF-8 bytes below 0x80 are enough here)
    // with its top at y; vertical = true turns it 90 degrees counter-clockwise
    // (an axis label), running upwards with its left edge at x.
    void draw(Canvas &c, int x, int y, const std::string &text, int px, Rgb color, Align align = Align::Left,
              bool vertical = false) const;

    const std::string &path() const { return path_; }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string path_;
};

}  // namespace halyard_plot
