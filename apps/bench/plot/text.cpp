#include "text.h"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <stdexcept>
#include <vector>

namespace halyard_plot {

struct Font::Impl {
    FT_Library lib = nullptr;
    FT_Face face = nullptr;
};

Font::Font(const std::string &path) : impl_(new Impl), path_(path) {
    if (FT_Init_FreeType(&impl_->lib)) throw std::runtime_error("FreeType could not start");
    if (FT_New_Face(impl_->lib, path.c_str(), 0, &impl_->face)) {
        FT_Done_FreeType(impl_->lib);
        throw std::runtime_error(path + ": FreeType cannot load this font (install fonts-dejavu-core: bash .ci/setup)");
    }
}

Font::~Font() {
    FT_Done_Face(impl_->face);
    FT_Done_FreeType(impl_->lib);
}

namespace {

// Decodes UTF-8 (the labels use a few symbols such as the multiplication sign).
std::vector<uint32_t> code_points(const std::string &s) {
    std::vector<uint32_t> out;
    for (size_t i = 0; i < s.size();) {
        const unsigned char c = s[i];
        int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
        for (int k = 1; k < n && i + k < s.size(); k++) cp = (cp << 6) | (s[i + k] & 0x3F);
        out.push_back(cp);
        i += n;
    }
    return out;
}

}  // namespace

int Font::width(const std::string &text, int px) const {
    FT_Set_Pixel_Sizes(impl_->face, 0, px);
    long w = 0;
    for (uint32_t cp : code_points(text)) {
        if (FT_Load_Char(impl_->face, cp, FT_LOAD_DEFAULT)) continue;
        w += impl_->face->glyph->advance.x;
    }
    return int(w >> 6);
}

int Font::line_height(int px) const {
    FT_Set_Pixel_Sizes(impl_->face, 0, px);
    const auto &m = impl_->face->size->metrics;
    return int((m.ascender - m.descender) >> 6);
}

void Font::draw(Canvas &c, int x, int y, const std::string &text, int px, Rgb color, Align align, bool vertical) const {
    const int w = width(text, px);
    const int shift = align == Align::Left ? 0 : align == Align::Center ? w / 2 : w;
    FT_Set_Pixel_Sizes(impl_->face, 0, px);
    const int ascent = int(impl_->face->size->metrics.ascender >> 6);
    // Pen position along the text's own baseline, in its own (unrotated) frame.
    long pen = 0;
    for (uint32_t cp : code_points(text)) {
        if (FT_Load_Char(impl_->face, cp, FT_LOAD_RENDER)) continue;
        const FT_GlyphSlot g = impl_->face->glyph;
        const FT_Bitmap &bm = g->bitmap;
        for (unsigned row = 0; row < bm.rows; row++) {
            for (unsigned col = 0; col < bm.width; col++) {
                const int alpha = bm.buffer[row * bm.pitch + col];
                if (!alpha) continue;
                // (u, v): right along the text, down from its top.
                const int u = int(pen >> 6) + g->bitmap_left + int(col) - shift;
                const int v = ascent - g->bitmap_top + int(row);
                if (vertical) c.blend(x + v, y - u, color, alpha);
                else c.blend(x + u, y + v, color, alpha);
            }
        }
        pen += g->advance.x;
    }
}

}  // namespace halyard_plot
