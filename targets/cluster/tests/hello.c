#include "halyard_rt.h"
int main(void) {
    hl_printf("hello from core %u of %u\n", hl_core_id(), hl_core_count());
    return 0;
}
