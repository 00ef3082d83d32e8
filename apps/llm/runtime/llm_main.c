/* The demo's program on the cluster: the prompt's tokens (llm_prompt.h,
 * written by halyard-llm) forced, then greedy decoding, one line per step on
 * stdout for halyard-llm to turn into text:
 *   halyard-llm-step <pos> <next token> <cycles of the step> <kv length>
 * Tokenization and printing the text are the only parts on the host side. */
#include "halyard_rt.h"
#include "llm_loop.h"
#include "llm_prompt.h"

static LLM_L2 int32_t logits[LLM_VOCAB];
static uint32_t rng = LLM_SEED;

/* Greedy, or sampled at LLM_TEMPERATURE. */
static int32_t next_token(void) {
    if (LLM_TEMPERATURE > 0.0f) return llm_sample(logits, (float)LLM_LOGIT_SCALE / LLM_TEMPERATURE, &rng);
    return llm_argmax(logits);
}

int main(void) {
    int32_t pos = 0, token = llm_prompt[0];
    if (LLM_PREFILL_LEN > 1 && LLM_PREFILL_LEN == LLM_PROMPT_LEN) {
        /* The whole prompt in one network. */
        uint64_t t0 = hl_cycles(), t1;
        int rc = llm_prefill(llm_prompt, LLM_PROMPT_LEN, logits);
        t1 = hl_cycles();
        if (rc != 0) {
            printf("halyard-llm-error prefill returned %d\n", rc);
            return 2;
        }
        token = next_token();
        printf("halyard-llm-prefill %ld %ld %lu\n", (long)(LLM_PROMPT_LEN - 1), (long)token, (unsigned long)(t1 - t0));
        if (token == LLM_BOS) return 0;
        pos = LLM_PROMPT_LEN;
    }
    for (; pos < LLM_PROMPT_LEN + LLM_STEPS - 1; pos++) {
        uint64_t t0 = hl_cycles(), t1;
        int32_t next;
        int rc = llm_step(token, pos, logits);
        t1 = hl_cycles();
        if (rc != 0) {
            printf("halyard-llm-error step %ld returned %d\n", (long)pos, rc);
            return 2;
        }
        next = pos + 1 < LLM_PROMPT_LEN ? llm_prompt[pos + 1] : next_token();
        printf("halyard-llm-step %ld %ld %lu %ld\n", (long)pos, (long)next, (unsigned long)(t1 - t0),
               (long)llm_last_kv_len());
        if (pos + 1 >= LLM_PROMPT_LEN && next == LLM_BOS) break; /* BOS ends the story (as llama2.c) */
        token = next;
    }
    /* Where the last step's cycles went, call by call. */
    {
        int k = 0, i;
        while (k < LLM_NUM_BUCKETS - 1 && llm_bucket_kv_len[k] != llm_last_kv_len()) k++;
        for (i = 0; i < llm_bucket_calls(k); i++)
            printf("halyard-llm-call %s %lu\n", llm_call_name(k, i), (unsigned long)llm_call_cycles(k, i));
    }
    return 0;
}
