// halyard-generate: op family + parameters + target (+ schedule) -> <name>.c,
// <name>.h and <name>.report.txt. Used by the CMake function
// halyard_add_library(); usable by hand:
//
//   halyard-generate gemm --name my_gemm --target host --out gen/ M=64 N=64 K=64
#include <fstream>
#include <iostream>

#include "halyard/generator.h"

namespace {

void usage(std::ostream &os) {
    os << "usage: halyard-generate <generator> --name NAME --out DIR [--target host|rv32|cluster|FILE.target]\n"
          "                        [--schedule FILE] [--print-schedule] [key=value ...]\n"
          "       halyard-generate --list\n"
          "       halyard-generate <generator> --help\n";
}

void write_file(const std::string &path, const std::string &text) {
    std::ofstream out(path);
    if (!out || !(out << text)) throw halyard::UserError("cannot write " + path);
}

}  // namespace

int main(int argc, char **argv) {
    using namespace halyard;
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        usage(std::cerr);
        return 2;
    }
    try {
        if (args[0] == "--list") {
            for (const auto &f : generator_families()) std::cout << f.name << ": " << f.description << "\n";
            return 0;
        }
        const GeneratorFamily &family = find_generator(args[0]);
        std::string name, out_dir, target_name = "host", schedule_file;
        bool print_schedule = false;
        std::map<std::string, std::string> params;
        for (size_t i = 1; i < args.size(); i++) {
            const std::string &a = args[i];
            auto value = [&]() -> std::string {
                if (i + 1 >= args.size()) throw UserError("option " + a + " needs a value");
                return args[++i];
            };
            if (a == "--help") {
                std::cout << family.name << ": " << family.description << "\nparameters:\n";
                for (const auto &p : family.params) {
                    std::cout << "  " << p.name << "=" << p.default_value << "  " << p.doc << "\n";
                }
                return 0;
            } else if (a == "--name") {
                name = value();
            } else if (a == "--out") {
                out_dir = value();
            } else if (a == "--target") {
                target_name = value();
            } else if (a == "--schedule") {
                schedule_file = value();
            } else if (a == "--print-schedule") {
                print_schedule = true;
            } else if (a.find('=') != std::string::npos && a[0] != '-') {
                params[a.substr(0, a.find('='))] = a.substr(a.find('=') + 1);
            } else {
                throw UserError("unknown argument '" + a + "'");
            }
        }
        if (name.empty() || out_dir.empty()) {
            usage(std::cerr);
            return 2;
        }
        TargetDescription target = target_name.find(".target") != std::string::npos
                                       ? TargetDescription::load(target_name)
                                       : TargetDescription::named(target_name);
        std::optional<Schedule> schedule;
        if (!schedule_file.empty()) schedule = Schedule::load(schedule_file);
        if (print_schedule) {
            ParamMap p(family.name, family.params, params);
            Algorithm algo = family.build(p);
            std::cout << (schedule ? schedule->to_text() : default_schedule(algo, target).to_text());
            return 0;
        }
        GeneratedLibrary lib = run_generator(family.name, params, target, schedule ? &*schedule : nullptr, name);
        write_file(out_dir + "/" + name + ".c", lib.c_source);
        write_file(out_dir + "/" + name + ".h", lib.header);
        write_file(out_dir + "/" + name + ".report.txt", lib.report);
    } catch (const UserError &e) {
        std::cerr << "halyard-generate: error: " << e.what() << "\n";
        return 1;
    } catch (const TargetError &e) {
        std::cerr << "halyard-generate: error: " << e.what() << "\n";
        return 1;
    } catch (const Halide::Error &e) {
        std::cerr << "halyard-generate: error from Halide: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
