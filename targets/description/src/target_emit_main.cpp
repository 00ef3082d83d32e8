// halyard-target-emit: renders a target description for the runtime (C
// header), the RTL (SystemVerilog package) or the linker (symbol script).
#include <fstream>
#include <iostream>
#include <sstream>

#include "halyard/target_description.h"

int main(int argc, char **argv) {
    if (argc != 4) {
        std::cerr << "usage: halyard-target-emit c-header|sv-package|ld-script IN.target OUT\n";
        return 2;
    }
    try {
        auto t = halyard::TargetDescription::load(argv[2]);
        std::string format = argv[1], text;
        if (format == "c-header") text = t.to_c_header();
        else if (format == "sv-package") text = t.to_sv_package();
        else if (format == "ld-script") text = t.to_ld_script();
        else {
            std::cerr << "halyard-target-emit: unknown format '" << format << "'\n";
            return 2;
        }
        // Rewrite the file only when its text changes: a change to the
        // compiler-only keys (cost.*) then rebuilds neither the runtime nor
        // the RTL.
        std::ifstream old(argv[3]);
        std::stringstream old_text;
        old_text << old.rdbuf();
        if (old && old_text.str() == text) return 0;
        std::ofstream out(argv[3]);
        if (!out) {
            std::cerr << "halyard-target-emit: cannot write " << argv[3] << "\n";
            return 1;
        }
        out << text;
    } catch (const halyard::TargetError &e) {
        std::cerr << "halyard-target-emit: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
