/* The decode-step figures (halyard-llm --bench): each network once, at the
 * last position its KV cache holds (every cached row valid), timed on the
 * cluster's cycle counter. The cache holds arbitrary keys and values: the
 * kernels' cycle counts do not depend on the data. One line per network:
 *   halyard-llm-bench <kv length> <cycles> */
#include "halyard_rt.h"
#include "llm_model.h"

static int8_t k_cache[LLM_LAYERS][LLM_KV_HEADS * LLM_MAX_KV * LLM_HEAD_SIZE];
static int8_t v_cache[LLM_LAYERS][LLM_KV_HEADS * LLM_MAX_KV * LLM_HEAD_SIZE];
static int8_t k_new[LLM_LAYERS][LLM_KV_HEADS * LLM_HEAD_SIZE];
static int8_t v_new[LLM_LAYERS][LLM_KV_HEADS * LLM_HEAD_SIZE];
static int32_t logits[LLM_VOCAB];

int main(void) {
    int8_t *kc[LLM_LAYERS], *vc[LLM_LAYERS], *kn[LLM_LAYERS], *vn[LLM_LAYERS];
    int32_t b, l, i;
    for (l = 0; l < LLM_LAYERS; l++) {
        for (i = 0; i < LLM_KV_HEADS * LLM_MAX_KV * LLM_HEAD_SIZE; i++) {
            k_cache[l][i] = (int8_t)((i * 37 + l) % 51 - 25);
            v_cache[l][i] = (int8_t)((i * 11 + l) % 47 - 23);
        }
        kc[l] = k_cache[l];
        vc[l] = v_cache[l];
        kn[l] = k_new[l];
        vn[l] = v_new[l];
    }
    for (b = 0; b < LLM_NUM_BUCKETS; b++) {
        const int32_t token = 3, pos = llm_bucket_kv_len[b] - 1, n_valid = llm_bucket_kv_len[b];
        uint64_t t0, t1;
        int rc;
        hl_region_begin(llm_bucket_region[b]);
        t0 = hl_cycles();
        rc = llm_run_bucket(b, &token, &pos, &n_valid, kc, vc, logits, kn, vn);
        t1 = hl_cycles();
        hl_region_end(llm_bucket_region[b]);
        if (rc != 0) {
            printf("halyard-llm-error network %ld returned %d\n", (long)b, rc);
            return 2;
        }
        printf("halyard-llm-bench %ld %lu\n", (long)llm_bucket_kv_len[b], (unsigned long)(t1 - t0));
    }
    return 0;
}
