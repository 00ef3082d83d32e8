/* Every core waits for an event nobody sends: the simulator reports a hang. */
#include "halyard_rt.h"
int main(void) {
    hl_wait_events(HL_EVT_SW);
    return 0;
}
