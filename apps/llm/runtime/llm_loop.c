/* See llm_loop.h. The KV cache of each layer lives in one buffer laid out
 * [kv_heads][kv_len][head_size] for the network that runs now; when the
 * context outgrows it, the rows move to the next network's layout (a few
 * times per story, so the steps in between copy nothing). */
#include "llm_loop.h"

#define CACHE_BYTES (LLM_KV_HEADS * LLM_MAX_KV * LLM_HEAD_SIZE)

static LLM_L2 int8_t k_cache[LLM_LAYERS][CACHE_BYTES];
static LLM_L2 int8_t v_cache[LLM_LAYERS][CACHE_BYTES];
static LLM_L2 int8_t k_new[LLM_LAYERS][LLM_KV_HEADS * LLM_HEAD_SIZE];
static LLM_L2 int8_t v_new[LLM_LAYERS][LLM_KV_HEADS * LLM_HEAD_SIZE];
static int32_t cur_bucket = -1;   /* network whose layout the caches have */
static int32_t next_pos = 0;

void llm_reset(void) {
    cur_bucket = -1;
    next_pos = 0;
}

int32_t llm_last_kv_len(void) { return cur_bucket < 0 ? 0 : llm_bucket_kv_len[cur_bucket]; }

/* Rows [0, rows) of every head from a [heads][from][hs] layout to [heads][to][hs], to >= from. */
static void widen(int8_t *c, int32_t from, int32_t to, int32_t rows) {
    int32_t h, i;
    for (h = LLM_KV_HEADS - 1; h >= 1; h--) {
        int8_t *dst = c + (int32_t)h * to * LLM_HEAD_SIZE;
        const int8_t *src = c + (int32_t)h * from * LLM_HEAD_SIZE;
        for (i = rows * LLM_HEAD_SIZE - 1; i >= 0; i--) dst[i] = src[i];  /* dst > src: copy from the end */
    }
}

int llm_step(int32_t token, int32_t pos, int32_t *logits) {
    int32_t b = 0, l, h, i;
    int32_t n_valid = pos + 1;
    int8_t *kc[LLM_LAYERS], *vc[LLM_LAYERS], *kn[LLM_LAYERS], *vn[LLM_LAYERS];
    int rc;
    if (pos != next_pos) return -1;
    while (b < LLM_NUM_BUCKETS && llm_bucket_kv_len[b] < pos + 1) b++;
    if (b == LLM_NUM_BUCKETS) return -1;
    if (cur_bucket >= 0 && b != cur_bucket) {
        for (l = 0; l < LLM_LAYERS; l++) {
            widen(k_cache[l], llm_bucket_kv_len[cur_bucket], llm_bucket_kv_len[b], pos);
            widen(v_cache[l], llm_bucket_kv_len[cur_bucket], llm_bucket_kv_len[b], pos);
        }
    }
    cur_bucket = b;
    for (l = 0; l < LLM_LAYERS; l++) {
        kc[l] = k_cache[l];
        vc[l] = v_cache[l];
        kn[l] = k_new[l];
        vn[l] = v_new[l];
    }
    rc = llm_run_bucket(b, &token, &pos, &n_valid, kc, vc, logits, kn, vn);
    if (rc != 0) return rc;
    /* Append: row pos of every head. */
    for (l = 0; l < LLM_LAYERS; l++) {
        const int32_t kv = llm_bucket_kv_len[b];
        for (h = 0; h < LLM_KV_HEADS; h++) {
            for (i = 0; i < LLM_HEAD_SIZE; i++) {
                k_cache[l][(h * kv + pos) * LLM_HEAD_SIZE + i] = k_new[l][h * LLM_HEAD_SIZE + i];
                v_cache[l][(h * kv + pos) * LLM_HEAD_SIZE + i] = v_new[l][h * LLM_HEAD_SIZE + i];
            }
        }
    }
    next_pos = pos + 1;
    return 0;
}

int llm_prefill(const int32_t *tokens, int32_t n, int32_t *logits) {
    /* The prefill writes [kv_heads][n][head]; the first network that holds
     * n + 1 rows is where the next step continues. */
    static LLM_L2 int8_t pk[LLM_LAYERS][LLM_KV_HEADS * (LLM_PREFILL_LEN > 0 ? LLM_PREFILL_LEN : 1) * LLM_HEAD_SIZE];
    static LLM_L2 int8_t pv[LLM_LAYERS][LLM_KV_HEADS * (LLM_PREFILL_LEN > 0 ? LLM_PREFILL_LEN : 1) * LLM_HEAD_SIZE];
    int8_t *kn[LLM_LAYERS], *vn[LLM_LAYERS];
    int32_t b = 0, l, h, i, kv;
    int rc;
    if (LLM_PREFILL_LEN == 0 || n != LLM_PREFILL_LEN || next_pos != 0) return -1;
    while (b < LLM_NUM_BUCKETS && llm_bucket_kv_len[b] < n + 1) b++;
    if (b == LLM_NUM_BUCKETS) return -1;
    for (l = 0; l < LLM_LAYERS; l++) {
        kn[l] = pk[l];
        vn[l] = pv[l];
    }
    rc = llm_run_prefill(tokens, logits, kn, vn);
    if (rc != 0) return rc;
    kv = llm_bucket_kv_len[b];
    for (l = 0; l < LLM_LAYERS; l++)
        for (h = 0; h < LLM_KV_HEADS; h++)
            for (i = 0; i < n * LLM_HEAD_SIZE; i++) {
                k_cache[l][h * kv * LLM_HEAD_SIZE + i] = pk[l][h * n * LLM_HEAD_SIZE + i];
                v_cache[l][h * kv * LLM_HEAD_SIZE + i] = pv[l][h * n * LLM_HEAD_SIZE + i];
            }
    cur_bucket = b;
    next_pos = n;
    return 0;
}

/* e^x for x <= 0: 2^(x log2 e) split into 2^-k and a degree-5 polynomial
 * of 2^f on [0, 1) (relative error below 1e-6). */
static float exp_nonpositive(float x) {
    float y = x * 1.44269504f, f, p;
    int32_t k;
    if (y < -126.0f) return 0.0f;
    k = (int32_t)y; /* truncates toward zero: k <= 0 */
    if ((float)k > y) k--;
    f = y - (float)k;  /* [0, 1) */
    p = 1.0f + f * (0.6931472f + f * (0.2402265f + f * (0.05550411f + f * (0.009618129f + f * 0.001333355f))));
    while (k < 0) {
        p *= 0.5f;
        k++;
    }
    return p;
}

int32_t llm_sample(const int32_t *logits, float scale, uint32_t *state) {
    static float w[LLM_VOCAB];
    int32_t i, best = llm_argmax(logits);
    float sum = 0.0f, r;
    uint32_t x = *state;
    for (i = 0; i < LLM_VOCAB; i++) {
        w[i] = exp_nonpositive((float)(logits[i] - logits[best]) * scale);
        sum += w[i];
    }
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    r = (float)(x >> 8) * (1.0f / 16777216.0f) * sum;
    for (i = 0; i < LLM_VOCAB; i++) {
        r -= w[i];
        if (r < 0.0f) return i;
    }
    return best; /* rounding left r >= 0: the most likely token */
}

int32_t llm_argmax(const int32_t *logits) {
    int32_t best = 0, i;
    for (i = 1; i < LLM_VOCAB; i++)
        if (logits[i] > logits[best]) best = i;
    return best;
}
