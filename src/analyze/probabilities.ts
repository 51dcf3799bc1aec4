/** Logits → probabilities, shifted by the largest so large logits do not overflow. */
export const softmax = (logits: ArrayLike<number>): Array<number> => {
  const values = Array.from(logits)
  const top = Math.max(...values)
  const exps = values.map((v) => Math.exp(v - top))
  const sum = exps.reduce((a, b) => a + b, 0)
  return exps.map((e) => e / sum)
}
