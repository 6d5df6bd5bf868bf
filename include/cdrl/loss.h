/* Losses with their gradients: mean squared error, Gaussian negative
 * log-likelihood with a predicted log-variance, and the categorical pieces a
 * classifier or a policy-gradient agent needs (log-softmax, weighted
 * cross-entropy = -weighted log-prob of chosen actions, entropy).
 *
 * One convention for all: the returned value is the MEAN over the B rows of
 * the batch (summed over output dimensions within a row); when a gradient
 * pointer is not NULL the function ACCUMULATES `scale * d(value)/d(input)`
 * into it. scale = 1 gives the plain gradient; scale = -beta adds an entropy
 * bonus; scale = B turns a batch-mean into a batch-sum objective. Sums run
 * in double, so a large batch loses no precision in the reported value. */
#ifndef CDRL_LOSS_H
#define CDRL_LOSS_H

/* pred (B,D), target (B,D), dpred (B,D) or NULL.
 * value = mean_b sum_d (pred - target)^2. (No 1/2: the gradient is 2 (pred - target) / B.) */
float cdrl_mse(float *dpred, const float *pred, const float *target, int B, int D, float scale);

/* Heteroscedastic Gaussian NLL. pred (B,2D) holds per row the D means then
 * the D log-variances (the layout of an MLP with a mean head and a
 * log-variance head of D outputs each); target (B,D); dpred (B,2D) or NULL.
 * value = mean_b sum_d 0.5 * (exp(-lv) (y - mu)^2 + lv + log(2 pi)),
 * the exact negative log-density. The Concrete Dropout authors minimise
 * mean_b sum_d (exp(-lv)(y - mu)^2 + lv), i.e. 2 * value minus a constant;
 * pass scale = 2 to follow the gradient of their objective. */
float cdrl_gaussian_nll(float *dpred, const float *pred, const float *target, int B, int D,
                        float scale);

/* logits (B,A), logp (B,A): logp = log softmax(logits) per row, computed
 * stably (max subtracted). logp may equal logits. */
void cdrl_log_softmax(float *logp, const float *logits, int B, int A);

/* Weighted softmax cross-entropy. logits (B,A), labels (B) in [0,A),
 * weights (B) or NULL (= all 1), dlogits (B,A) or NULL.
 * value = mean_b w_b * (-log softmax(logits_b)[labels_b]).
 * With weights = advantages this is the policy-gradient (REINFORCE) loss
 * -mean_b A_b log pi(a_b | s_b); its gradient w.r.t. the logits is
 * w_b (softmax_b - onehot(labels_b)) / B. */
float cdrl_softmax_cross_entropy(float *dlogits, const float *logits, const int *labels,
                                 const float *weights, int B, int A, float scale);

/* Entropy of the categorical distributions softmax(logits). logits (B,A),
 * dlogits (B,A) or NULL. value = mean_b H_b, H_b = -sum_a pi_a log pi_a;
 * dH_b/dlogit_a = -pi_a (log pi_a + H_b). For an entropy bonus beta in a
 * loss to minimise, pass scale = -beta. */
float cdrl_categorical_entropy(float *dlogits, const float *logits, int B, int A, float scale);

#endif
