/** How well scores separate two labels: pure arithmetic shared by `kidvoice eval` and the training script. */

export interface Labelled {
  readonly score: number
  readonly positive: boolean
}

export interface BinaryMetrics {
  readonly threshold: number
  readonly truePositives: number
  readonly falsePositives: number
  readonly trueNegatives: number
  readonly falseNegatives: number
  /** 0 when nothing was called positive. */
  readonly precision: number
  /** 0 when there are no positives. */
  readonly recall: number
  readonly f1: number
  readonly accuracy: number
  /** Share of the negatives called positive; 0 when there are none. */
  readonly falsePositiveRate: number
}

/** A score at or above `threshold` counts as positive, as curate's `minChildScore` does. */
export const metricsAt = (items: ReadonlyArray<Labelled>, threshold: number): BinaryMetrics => {
  let tp = 0
  let fp = 0
  let tn = 0
  let fn = 0
  for (const { score, positive } of items) {
    const called = score >= threshold
    if (called && positive) tp++
    else if (called) fp++
    else if (positive) fn++
    else tn++
  }
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b)
  const precision = ratio(tp, tp + fp)
  const recall = ratio(tp, tp + fn)
  return {
    threshold,
    truePositives: tp,
    falsePositives: fp,
    trueNegatives: tn,
    falseNegatives: fn,
    precision,
    recall,
    f1: ratio(2 * precision * recall, precision + recall),
    accuracy: ratio(tp + tn, items.length),
    falsePositiveRate: ratio(fp, fp + tn)
  }
}

/** Metrics at thresholds step, 2·step, … below 1 (0.05 steps: 0.05 … 0.95). */
export const thresholdSweep = (items: ReadonlyArray<Labelled>, step = 0.05): ReadonlyArray<BinaryMetrics> => {
  const count = Math.round(1 / step)
  return Array.from({ length: count - 1 }, (_, i) => metricsAt(items, Number(((i + 1) * step).toFixed(10))))
}

/** The row with the highest F1; on a tie the lowest threshold, so the choice is stable. */
export const bestF1 = (sweep: ReadonlyArray<BinaryMetrics>): BinaryMetrics | null =>
  sweep.reduce<BinaryMetrics | null>((best, row) => (best === null || row.f1 > best.f1 ? row : best), null)

/**
 * Area under the ROC curve: the chance that a random positive scores above a random negative (ties count half).
 * 0.5 when either side is empty. Rank-based, so any monotone score (a probability, a median F0 in Hz) works.
 */
export const rocAuc = (items: ReadonlyArray<Labelled>): number => {
  const sorted = [...items].sort((a, b) => a.score - b.score)
  const positives = sorted.filter((i) => i.positive).length
  const negatives = sorted.length - positives
  if (positives === 0 || negatives === 0) return 0.5
  let rankSum = 0
  for (let i = 0; i < sorted.length;) {
    let j = i
    while (j < sorted.length && sorted[j]!.score === sorted[i]!.score) j++
    const averageRank = (i + 1 + j) / 2
    for (let k = i; k < j; k++) if (sorted[k]!.positive) rankSum += averageRank
    i = j
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives)
}
