// plot_images_test DIR N: decodes every image DIR/plots.json lists with
// libpng and checks it against the listing: N images, each of its stated
// size, a data area that is not empty (pixels other than the background and
// the grid), and every legend color present both in the legend and in the
// data area (the series was drawn, not only named).
#include <fstream>
#include <iostream>
#include <set>

#include <nlohmann/json.hpp>

#include "canvas.h"

using halyard_plot::Rgb;

int main(int argc, char **argv) {
    if (argc != 3) {
        std::cerr << "usage: plot_images_test DIR N\n";
        return 2;
    }
    const std::string dir = argv[1];
    const size_t want = std::stoul(argv[2]);
    int failures = 0;
    auto fail = [&](const std::string &what) {
        std::cerr << "FAIL: " << what << "\n";
        failures++;
    };
    try {
        std::ifstream in(dir + "/plots.json");
        if (!in) throw std::runtime_error(dir + "/plots.json: cannot open");
        const nlohmann::json manifest = nlohmann::json::parse(in);
        if (manifest.size() != want) fail(dir + "/plots.json lists " + std::to_string(manifest.size()) + " images, want " + std::to_string(want));
        const std::set<std::tuple<int, int, int>> background = {{255, 255, 255}, {225, 225, 225}, {242, 242, 242}};
        for (const auto &m : manifest) {
            const std::string file = dir + "/" + m.at("file").get<std::string>();
            const halyard_plot::Canvas img = halyard_plot::read_png(file);
            if (img.width() != m.at("width").get<int>() || img.height() != m.at("height").get<int>()) {
                fail(file + ": " + std::to_string(img.width()) + "x" + std::to_string(img.height()) + ", listed as " +
                     m.at("width").dump() + "x" + m.at("height").dump());
                continue;
            }
            const auto area = m.at("plot_area");
            const int x0 = area[0], y0 = area[1], x1 = area[2], y1 = area[3];
            auto inside = [&](int x, int y) { return x > x0 && x < x1 && y > y0 && y < y1; };
            long drawn = 0;
            for (int y = y0 + 1; y < y1; y++) {
                for (int x = x0 + 1; x < x1; x++) {
                    const Rgb p = img.at(x, y);
                    drawn += !background.count({p.r, p.g, p.b});
                }
            }
            if (drawn < 100) fail(file + ": the data area holds only " + std::to_string(drawn) + " drawn pixels");
            for (const auto &e : m.at("legend")) {
                const Rgb c{e.at("rgb")[0].get<uint8_t>(), e.at("rgb")[1].get<uint8_t>(), e.at("rgb")[2].get<uint8_t>()};
                long in_area = 0, outside = 0;
                for (int y = 0; y < img.height(); y++) {
                    for (int x = 0; x < img.width(); x++) {
                        if (img.at(x, y) == c) (inside(x, y) ? in_area : outside)++;
                    }
                }
                const std::string name = e.at("name").get<std::string>();
                if (outside < 20) fail(file + ": legend entry '" + name + "' has no swatch of its color");
                if (in_area < 5) fail(file + ": '" + name + "' is in the legend but not drawn in the data area");
            }
            std::cout << file << ": " << img.width() << "x" << img.height() << ", " << drawn << " drawn pixels, "
                      << m.at("legend").size() << " legend colors found\n";
        }
    } catch (const std::exception &e) {
        fail(e.what());
    }
    return failures ? 1 : 0;
}
