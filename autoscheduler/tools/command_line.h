// What halyard-autoschedule and halyard-cost-report share on the command
// line: a layer given as `<family> KEY=VALUE...`, integer options, the
// target by name or file. A bad argument ends the program with status 2 and
// the tool's usage, naming the option and the value.
#pragma once

#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "halyard/target_description.h"

namespace halyard::autoschedule {

class CommandLine {
public:
    CommandLine(std::string tool, std::string usage) : tool_(std::move(tool)), usage_(std::move(usage)) {}

    [[noreturn]] void fail(const std::string &why) const {
        std::cerr << tool_ << ": " << why << "\n" << usage_;
        std::exit(2);
    }

    // The value after option args[i] (i moves onto it).
    std::string value(const std::vector<std::string> &args, size_t &i) const {
        if (i + 1 >= args.size()) fail(args[i] + " needs a value");
        return args[++i];
    }

    int integer(const std::string &opt, const std::string &v, int lo, int hi) const {
        try {
            size_t used = 0;
            const int x = std::stoi(v, &used);
            if (used == v.size() && x >= lo && x <= hi) return x;
        } catch (const std::exception &) {
        }
        fail(opt + " " + v + ": want an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
    }

    // A word that is not an option: the family first, then KEY=VALUE.
    void layer_word(const std::string &a) {
        if (a.rfind("--", 0) == 0) fail("unknown option " + a);
        if (family.empty()) {
            family = a;
            return;
        }
        const size_t eq = a.find('=');
        if (eq == std::string::npos || eq == 0) fail("parameter '" + a + "': want KEY=VALUE");
        params[a.substr(0, eq)] = a.substr(eq + 1);
    }

    // --target: a built-in name (cluster) or a path to a .target file.
    TargetDescription target(const std::string &name) const {
        if (name.empty()) fail("--target is required (e.g. --target cluster)");
        if (family.empty()) fail("no op family given (halyard-generate --list names them)");
        const bool is_file = name.find('/') != std::string::npos || name.find(".target") != std::string::npos;
        return is_file ? TargetDescription::load(name) : TargetDescription::named(name);
    }

    std::string family;
    std::map<std::string, std::string> params;

private:
    std::string tool_, usage_;
};

}  // namespace halyard::autoschedule
