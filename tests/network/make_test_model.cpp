// make_test_model OUT.onnx: writes the small network the halyard_add_network()
// test compiles (x int8 [3, 5] -> RequantShift(mul 3, add 1, div 2) -> Add of
// a constant [5] -> y int32), so that test depends on no data folder.
#include <fstream>
#include <iostream>

#include "model_builder.h"

int main(int argc, char **argv) {
    if (argc != 2) {
        std::cerr << "usage: make_test_model OUT.onnx\n";
        return 2;
    }
    halyard_test::ModelBuilder b;
    b.input("x", {3, 5}).output("y");
    b.requant("rq", "x", "r", 3, 1, 2);
    b.constant("offset", {5}, {10, -20, 30, -40, 50});
    b.node("Add", "add_offset", {"r", "offset"}, {"y"});
    std::ofstream f(argv[1], std::ios::binary);
    f << b.bytes();
    return f ? 0 : 1;
}
