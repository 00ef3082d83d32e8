#include "llm/quality.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace halyard::llm {
namespace {

template <typename T>
int argmax_of(const std::vector<T> &v) {
    return (int)(std::max_element(v.begin(), v.end()) - v.begin());
}

// log softmax(v)[k] with v scaled by `scale`.
template <typename T>
double log_prob(const std::vector<T> &v, int k, double scale) {
    double m = -1e300;
    for (auto x : v) m = std::max(m, (double)x * scale);
    double s = 0;
    for (auto x : v) s += std::exp((double)x * scale - m);
    return (double)v[k] * scale - m - std::log(s);
}

}  // namespace

QualityFigures measure_quality(FloatModel &fm, const HostModel &im, const IntegerModel &model,
                               const std::vector<int> &text, int n) {
    if (n < 2 || n > (int)text.size()) {
        throw std::invalid_argument("quality: need 2.." + std::to_string(text.size()) + " positions, got " + std::to_string(n));
    }
    QualityFigures q;
    double nll_f = 0, nll_i = 0;
    std::vector<int32_t> li;
    im.reset();
    for (int pos = 0; pos + 1 < n; pos++) {
        const std::vector<float> lf = fm.forward(text[pos], pos);
        im.step(text[pos], pos, li);
        const int want = text[pos + 1];
        const int af = argmax_of(lf), ai = argmax_of(li);
        q.predictions++;
        q.top1_agree += af == ai;
        q.float_correct += af == want;
        q.int_correct += ai == want;
        nll_f -= log_prob(lf, want, 1.0);
        nll_i -= log_prob(li, want, model.logit_scale);
    }
    q.float_ppl = std::exp(nll_f / q.predictions);
    q.int_ppl = std::exp(nll_i / q.predictions);
    return q;
}

std::string format_quality(const QualityFigures &q) {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "teacher-forced over %d tokens of the evaluation text:\n"
                  "  top-1 agreement integer vs float  %d / %d = %.1f%%\n"
                  "  perplexity  float %.3f   integer %.3f   (%+.1f%%)\n"
                  "  next-token accuracy  float %.1f%%   integer %.1f%%\n",
                  q.predictions, q.top1_agree, q.predictions, 100.0 * q.top1_agree / q.predictions, q.float_ppl,
                  q.int_ppl, 100.0 * (q.int_ppl / q.float_ppl - 1), 100.0 * q.float_correct / q.predictions,
                  100.0 * q.int_correct / q.predictions);
    return buf;
}

}  // namespace halyard::llm
