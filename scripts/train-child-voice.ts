/**
 * Trains the child-voice model shipped as models/child-voice-acoustic.onnx and writes its card
 * (models/child-voice-acoustic.json), then prints held-out figures beside a pitch-only baseline.
 *
 *   npx tsx scripts/train-child-voice.ts [--cache DIR]     (default DIR: $TMPDIR/kidvoice-train)
 *
 * No weights can be downloaded here, so the labelled speech is made from Debian packages (run as root once):
 *   apt-get update && apt-get install -y sox espeak-ng festival festival-czech festvox-czech-krb \
 *     festvox-czech-dita festvox-czech-machac festvox-czech-ph festvox-kallpc16k festvox-kdlpc16k \
 *     festvox-us-slt-hts festvox-italp16k festvox-itapc16k festvox-suopuhe-lj festvox-suopuhe-mv \
 *     festvox-ru festvox-ca-ona-hts codec2-examples pocketsphinx-testdata
 * The audio goes to the cache folder (not committed); the model and card are deterministic for the same
 * package versions. Segments are cut and measured by the real analyzer (Silero VAD + src/analyze/voiceFeatures.ts),
 * so the model sees at training exactly what it sees in a run. The split is by speaker for adults; there is
 * one child speaker (festvox-czech-krb), so the child split is by text (different sentences held out).
 * It also writes DIR/heldout/labels.csv: the held-out recordings, for `kidvoice eval --labels`.
 */
import { Effect, Layer } from "effect"
import { execa } from "execa"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Analyzer } from "../src/analyze/Analyzer.js"
import { ChildVoiceClassifier, minVoicedShare } from "../src/analyze/ChildVoiceClassifier.js"
import { bestF1, type Labelled, metricsAt } from "../src/analyze/evaluation.js"
import { modelsDir } from "../src/analyze/ModelCard.js"
import { SileroVad } from "../src/analyze/SileroVad.js"
import { SpokenLanguage } from "../src/analyze/SpokenLanguage.js"
import { segmentFeatureNames, summariseSegment } from "../src/analyze/voiceFeatures.js"
import { defaultConfig } from "../src/domain/Config.js"
import { logisticOnnx, type LogisticModel } from "./onnxLogistic.js"

const args = process.argv.slice(2)
const cacheAt = args.indexOf("--cache")
const cache = cacheAt >= 0 ? args[cacheAt + 1]! : join(tmpdir(), "kidvoice-train")
const modelName = "child-voice-acoustic"

// ---------------------------------------------------------------- texts (written for this project)
const czech = [
  "Byl jednou jeden malý ježek, který bydlel na kraji lesa.",
  "Ráno jsem snědl rohlík s máslem a vypil hrnek kakaa.",
  "Moje sestra má zelené kolo a jezdí na něm do školy.",
  "V zahradě roste velká jabloň a pod ní spí náš pes.",
  "Dneska venku prší, tak si budeme hrát doma s kostkami.",
  "Babička upekla koláč s tvarohem a rozinkami.",
  "Na obloze letí letadlo a za ním bílá čára.",
  "Kočka chytila myš a přinesla ji až ke dveřím.",
  "Jedna, dvě, tři, čtyři, pět, vyletěla včelka v svět.",
  "V létě pojedeme k moři a budeme stavět hrady z písku.",
  "Můj kamarád Petr umí stát na hlavě a pískat.",
  "Tatínek opravuje auto a já mu podávám klíče.",
  "Ve škole jsme kreslili slunce, stromy a duhu.",
  "Když je zima, stavíme sněhuláka s mrkví místo nosu.",
  "Maminka mi večer čte pohádku o drakovi.",
  "Na poli pracuje traktor a vrány chodí za ním.",
  "Liška běžela přes louku a schovala se v lese.",
  "Chtěl bych mít doma malé štěně s dlouhýma ušima.",
  "Včera jsme byli v zoo a viděli jsme slona a žirafu.",
  "Ta hruška je sladká, ale trochu tvrdá.",
  "Náš dědeček chová slepice a každé ráno sbírá vajíčka.",
  "Kdo si hraje, nezlobí, říká vždycky paní učitelka.",
  "Za domem teče potok a v něm plavou malé rybky.",
  "Na narozeniny jsem dostal modrý balónek a knížku."
]
const english = [
  "Good morning, the weather today will be cloudy with some sun in the afternoon.",
  "Please remember to bring your library books back by Friday.",
  "The train to the city leaves from platform four at half past nine.",
  "We walked along the river and watched the boats go by.",
  "My grandmother keeps a small garden with tomatoes and beans.",
  "The meeting has been moved to Thursday because of the holiday.",
  "She opened the window and the cold air filled the room.",
  "There is a small shop at the corner that sells fresh bread.",
  "After dinner we played cards until it was time for bed.",
  "The museum is closed on Mondays but open late on Wednesdays.",
  "He painted the fence white and planted roses along it.",
  "Turn left at the church and the school is on your right."
]
const italian = [
  "Buongiorno, oggi il tempo sarà nuvoloso con qualche schiarita.",
  "La biblioteca è aperta tutti i giorni tranne la domenica.",
  "Abbiamo camminato lungo il fiume fino al vecchio ponte.",
  "Mia nonna prepara la pasta fresca ogni domenica mattina.",
  "Il treno per Roma parte dal binario tre alle nove.",
  "Dopo cena abbiamo giocato a carte fino a tardi."
]
const finnish = [
  "Hyvää huomenta, tänään on pilvistä ja hieman sateista.",
  "Kirjasto on auki joka päivä paitsi sunnuntaina.",
  "Kävelimme joen rantaa pitkin vanhalle sillalle asti.",
  "Isoäiti leipoo pullaa joka lauantai.",
  "Juna lähtee raiteelta kolme kello yhdeksän.",
  "Illalla pelasimme korttia myöhään asti."
]
const russian = [
  "Доброе утро, сегодня будет облачно и немного дождливо.",
  "Библиотека открыта каждый день, кроме воскресенья.",
  "Мы гуляли вдоль реки до старого моста.",
  "Бабушка печёт пироги каждую субботу.",
  "Поезд отправляется с третьего пути в девять часов.",
  "Вечером мы играли в карты до поздней ночи."
]
const catalan = [
  "Bon dia, avui farà un temps ennuvolat amb alguna clariana.",
  "La biblioteca és oberta cada dia excepte diumenge.",
  "Vam caminar vora el riu fins al pont vell.",
  "La meva àvia fa pa cada dissabte al matí.",
  "El tren surt de la via tres a les nou.",
  "Després de sopar vam jugar a cartes fins tard."
]
const german = ["Guten Morgen, heute wird es bewölkt und etwas regnerisch.", "Die Bibliothek ist jeden Tag außer Sonntag geöffnet.", "Wir sind am Fluss entlang bis zur alten Brücke gegangen."]
const french = ["Bonjour, aujourd'hui le temps sera nuageux avec quelques éclaircies.", "La bibliothèque est ouverte tous les jours sauf le dimanche.", "Nous avons marché le long de la rivière jusqu'au vieux pont."]
const spanish = ["Buenos días, hoy el tiempo estará nublado con algunos claros.", "La biblioteca está abierta todos los días excepto el domingo.", "Caminamos junto al río hasta el puente viejo."]

// ---------------------------------------------------------------- recordings
type Group = "child" | "adult-female" | "adult-male" | "adult-female-synthetic" | "adult-female-shifted"
type Split = "train" | "heldout"

interface Recording {
  readonly id: string
  readonly speaker: string
  /** Codec2's unnamed speakers get their group from their median F0 once measured (see `groupOf`). */
  readonly group: Group | "adult-by-f0"
  readonly split: Split
  readonly source: string
  readonly make: (wav: string) => Promise<void>
}

const to16k = (input: string, output: string, ...effects: Array<string>) =>
  execa("sox", ["-R", input, "-r", "16000", "-c", "1", "-b", "16", output, ...effects]).then(() => undefined)

const festival = (voice: string, encoding: string, sentences: ReadonlyArray<string>, stretch = 1, ...effects: Array<string>) =>
  async (wav: string) => {
    const text = `${wav}.txt`
    const { stdout } = await execa("iconv", ["-f", "UTF-8", "-t", encoding], { input: sentences.join("\n") + "\n", encoding: "buffer" })
    writeFileSync(text, stdout)
    await execa("text2wave", ["-eval", `(begin (voice_${voice}) (Parameter.set 'Duration_Stretch ${stretch}))`, text, "-o", `${wav}.raw.wav`])
    await to16k(`${wav}.raw.wav`, wav, ...effects)
  }

const espeak = (voice: string, pitch: number, sentences: ReadonlyArray<string>) => async (wav: string) => {
  await execa("espeak-ng", ["-v", voice, "-p", String(pitch), "-s", "150", "-g", "8", "-w", `${wav}.raw.wav`, sentences.join(" ")])
  await to16k(`${wav}.raw.wav`, wav)
}

const codec2Raw = (name: string) => (wav: string) =>
  execa("sox", ["-R", "-t", "raw", "-r", "8000", "-e", "signed", "-b", "16", "-c", "1", `/usr/share/codec2/raw/${name}.raw`, "-r", "16000", "-b", "16", wav]).then(() => undefined)

const librivox = (ids: ReadonlyArray<string>) => (wav: string) =>
  execa("sox", ["-R", ...ids.map((id) => `/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-${id}.wav`), wav]).then(() => undefined)

const chunks = <A>(items: ReadonlyArray<A>, size: number) =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size))

/** Telephone band (300–3400 Hz at 8 kHz and back), so band-limited audio is not itself a sign of an adult. */
const telephone = ["sinc", "300-3400", "rate", "8000", "rate", "16000"]

const recordings: Array<Recording> = []
const add = (r: Recording) => recordings.push(r)

// The child: 16 sentences to train on, 8 others held out; each at three speaking rates, and once over a telephone band.
chunks(czech, 4).forEach((sentences, i) => {
  const split: Split = i < 4 ? "train" : "heldout"
  for (const stretch of [0.85, 1, 1.2]) {
    add({ id: `krb-${i}-r${stretch}`, speaker: "krb", group: "child", split, source: "festvox-czech-krb", make: festival("czech_krb", "ISO-8859-2", sentences, stretch) })
  }
  add({ id: `krb-${i}-tel`, speaker: "krb", group: "child", split, source: "festvox-czech-krb", make: festival("czech_krb", "ISO-8859-2", sentences, 1, ...telephone) })
})

const festivalSpeaker = (speaker: string, voice: string, encoding: string, texts: ReadonlyArray<string>, group: Group, split: Split, source: string, per = 4) =>
  chunks(texts, per).forEach((sentences, i) =>
    add({ id: `${speaker}-${i}`, speaker, group, split, source, make: festival(voice, encoding, sentences, i % 2 === 0 ? 1 : 1.15) }))

// Adults, whole speakers held out. Czech adults read the child's own sentences: language and text carry no label.
festivalSpeaker("dita", "czech_dita", "ISO-8859-2", czech.slice(0, 12), "adult-female", "heldout", "festvox-czech-dita")
festivalSpeaker("machac", "czech_machac", "ISO-8859-2", czech.slice(8, 20), "adult-male", "heldout", "festvox-czech-machac")
festivalSpeaker("ph", "czech_ph", "ISO-8859-2", czech.slice(4, 16), "adult-male", "train", "festvox-czech-ph")
festivalSpeaker("slt", "cmu_us_slt_arctic_hts", "UTF-8", english.slice(0, 8), "adult-female", "train", "festvox-us-slt-hts")
festivalSpeaker("kal", "kal_diphone", "UTF-8", english.slice(4, 12), "adult-male", "heldout", "festvox-kallpc16k")
festivalSpeaker("ked", "ked_diphone", "UTF-8", english.slice(0, 8), "adult-male", "train", "festvox-kdlpc16k")
festivalSpeaker("lp", "lp_diphone", "ISO-8859-1", italian, "adult-female", "train", "festvox-italp16k", 3)
festivalSpeaker("pc", "pc_diphone", "ISO-8859-1", italian, "adult-male", "train", "festvox-itapc16k", 3)
festivalSpeaker("lj", "suo_fi_lj_diphone", "ISO-8859-1", finnish, "adult-female", "heldout", "festvox-suopuhe-lj", 3)
festivalSpeaker("mv", "hy_fi_mv_diphone", "ISO-8859-1", finnish, "adult-male", "heldout", "festvox-suopuhe-mv", 3)
festivalSpeaker("ru", "msu_ru_nsh_clunits", "UTF-8", russian, "adult-male", "train", "festvox-ru", 3)
festivalSpeaker("ona", "upc_ca_ona_hts", "ISO-8859-1", catalan, "adult-female", "train", "festvox-ca-ona-hts", 3)

// Women's voices raised by 3 semitones (formants move with them): still adults, the hardest negatives here.
add({ id: "slt-up3", speaker: "slt-up3", group: "adult-female-shifted", split: "train", source: "festvox-us-slt-hts + sox pitch 300", make: festival("cmu_us_slt_arctic_hts", "UTF-8", english.slice(8, 12), 1, "pitch", "300") })
add({ id: "ona-up3", speaker: "ona-up3", group: "adult-female-shifted", split: "train", source: "festvox-ca-ona-hts + sox pitch 300", make: festival("upc_ca_ona_hts", "ISO-8859-1", catalan.slice(0, 3), 1, "pitch", "300") })
add({ id: "dita-up3", speaker: "dita-up3", group: "adult-female-shifted", split: "heldout", source: "festvox-czech-dita + sox pitch 300", make: festival("czech_dita", "ISO-8859-2", czech.slice(12, 16), 1, "pitch", "300") })

// Synthetic women at high pitch (formant synthesis, not recordings): hard negatives. Vietnamese is left out: a bundled sample uses it.
const espeakTrain: Array<[string, number, ReadonlyArray<string>]> = [
  ["en+f1", 80, english.slice(0, 3)], ["en+f2", 99, english.slice(3, 6)], ["en+f4", 90, english.slice(6, 9)],
  ["cs+f1", 85, czech.slice(0, 3)], ["cs+f5", 99, czech.slice(3, 6)], ["de+f2", 90, german], ["fr+f4", 99, french]
]
const espeakHeldout: Array<[string, number, ReadonlyArray<string>]> = [
  ["en+f3", 95, english.slice(9, 12)], ["cs+f2", 99, czech.slice(20, 23)], ["es+f5", 90, spanish]
]
for (const [split, list] of [["train", espeakTrain], ["heldout", espeakHeldout]] as const) {
  for (const [voice, pitch, sentences] of list) {
    add({ id: `espeak-${voice}-p${pitch}`, speaker: `espeak-${voice}`, group: "adult-female-synthetic", split, source: "espeak-ng", make: espeak(voice, pitch, sentences) })
  }
}

// Real recordings of adults: LibriVox (one reader), codec2's test speakers (8 kHz; forig/morig named female/male, the rest by pitch).
add({ id: "librivox", speaker: "librivox", group: "adult-male", split: "heldout", source: "pocketsphinx-testdata (LibriVox)", make: librivox(["0870", "0880", "0890", "0920", "0930"]) })
add({ id: "c2-forig", speaker: "c2-forig", group: "adult-female", split: "heldout", source: "codec2-examples", make: codec2Raw("forig") })
add({ id: "c2-morig", speaker: "c2-morig", group: "adult-male", split: "heldout", source: "codec2-examples", make: codec2Raw("morig") })
for (const name of ["hts1a", "hts2a", "kristoff", "mmt1", "vk5qi", "cq_ref", "big_dog", "cross", "g3plx", "ve9qrp"]) {
  add({ id: `c2-${name}`, speaker: `c2-${name}`, group: "adult-by-f0", split: "train", source: "codec2-examples", make: codec2Raw(name) })
}

// ---------------------------------------------------------------- audio and features
interface Segment {
  readonly recording: Recording
  readonly group: Group
  readonly features: Float32Array
  readonly medianF0: number
}

const makeAudio = (r: Recording) =>
  Effect.promise(async () => {
    const dir = join(cache, r.split)
    mkdirSync(dir, { recursive: true })
    const wav = join(dir, `${r.id}.wav`)
    if (!existsSync(wav)) await r.make(wav)
    return wav
  })

/** Segments of at most 5 s: more, shorter examples than a run's 30 s cap, each still several words long. */
const trainingVad = { ...defaultConfig.vad, maxSegmentSeconds: 5 }

/** The analyzer with a classifier that keeps each segment's features instead of scoring them. */
const measure = (wavs: ReadonlyArray<readonly [Recording, string]>) =>
  Effect.gen(function* () {
    const found: Array<{ recording: Recording; features: Float32Array; medianF0: number }> = []
    let current: Recording | undefined
    const collector = Layer.succeed(ChildVoiceClassifier, {
      name: "collect",
      threshold: 0.5,
      needsAudio: false,
      scoreSegment: ({ frames }) =>
        Effect.sync(() => {
          const summary = summariseSegment(frames)
          if (summary.voicedShare >= minVoicedShare) found.push({ recording: current!, features: summary.features, medianF0: summary.medianF0! })
          return { childScore: 0, medianF0: summary.medianF0 }
        })
    })
    yield* Effect.gen(function* () {
      const analyzer = yield* Analyzer
      for (const [recording, wav] of wavs) {
        current = recording
        yield* analyzer.analyze(wav, trainingVad, 0.5)
      }
    }).pipe(Effect.provide(Analyzer.layer.pipe(Layer.provide(Layer.mergeAll(SileroVad.layer, collector, SpokenLanguage.none)))))
    return found
  })

/** A speaker with no named sex is grouped by its median F0 over all its segments: above 165 Hz, a woman's range. */
const groupOf = (segments: ReadonlyArray<{ recording: Recording; medianF0: number }>) => {
  const groups = new Map<string, Group>()
  for (const r of recordings) {
    if (r.group !== "adult-by-f0") {
      groups.set(r.speaker, r.group)
      continue
    }
    const f0s = segments.filter((s) => s.recording.speaker === r.speaker).map((s) => s.medianF0).sort((a, b) => a - b)
    groups.set(r.speaker, (f0s[f0s.length >> 1] ?? 0) > 165 ? "adult-female" : "adult-male")
  }
  return groups
}

// ---------------------------------------------------------------- training
/** Each class weighs the same in total, and within it each speaker the same: one talkative speaker does not dominate. */
const sampleWeights = (segments: ReadonlyArray<Segment>) => {
  const perSpeaker = new Map<string, number>()
  for (const s of segments) perSpeaker.set(s.recording.speaker, (perSpeaker.get(s.recording.speaker) ?? 0) + 1)
  const speakersIn = (child: boolean) => new Set(segments.filter((s) => (s.group === "child") === child).map((s) => s.recording.speaker)).size
  const [childSpeakers, adultSpeakers] = [speakersIn(true), speakersIn(false)]
  return segments.map((s) => 1 / ((s.group === "child" ? childSpeakers : adultSpeakers) * perSpeaker.get(s.recording.speaker)!))
}

/** L2-regularised logistic regression by full-batch gradient descent from zero: deterministic, no seed needed. */
const fitLogistic = (segments: ReadonlyArray<Segment>, l2: number, iterations: number): LogisticModel => {
  const f = segmentFeatureNames.length
  const weights = sampleWeights(segments)
  const total = weights.reduce((a, b) => a + b, 0)
  const mean = Array.from({ length: f }, (_, j) => segments.reduce((sum, s, i) => sum + weights[i]! * s.features[j]!, 0) / total)
  const std = Array.from({ length: f }, (_, j) =>
    Math.sqrt(segments.reduce((sum, s, i) => sum + weights[i]! * (s.features[j]! - mean[j]!) ** 2, 0) / total) || 1)
  const xs = segments.map((s) => Array.from(s.features, (v, j) => (v - mean[j]!) / std[j]!))
  const ys = segments.map((s) => (s.group === "child" ? 1 : 0))
  const w = new Array<number>(f).fill(0)
  let b = 0
  const rate = 0.5
  for (let it = 0; it < iterations; it++) {
    const gw = w.map((wj) => l2 * wj)
    let gb = 0
    xs.forEach((x, i) => {
      const p = 1 / (1 + Math.exp(-(x.reduce((sum, v, j) => sum + v * w[j]!, b))))
      const g = (weights[i]! / total) * (p - ys[i]!)
      for (let j = 0; j < f; j++) gw[j]! += g * x[j]!
      gb += g
    })
    for (let j = 0; j < f; j++) w[j]! -= rate * gw[j]!
    b -= rate * gb
  }
  return { mean, std, weights: w, bias: b }
}

const predict = (m: LogisticModel, x: Float32Array) =>
  1 / (1 + Math.exp(-Array.from(x).reduce((sum, v, j) => sum + ((v - m.mean[j]!) / m.std[j]!) * m.weights[j]!, m.bias)))

/** The pitch-only baseline: the single median-F0 threshold with the best speaker-weighted balanced accuracy on the training set. */
const bestPitchThreshold = (segments: ReadonlyArray<Segment>) => {
  const weights = sampleWeights(segments)
  let best = { hz: 0, score: -1 }
  for (let hz = 120; hz <= 400; hz += 1) {
    const score = segments.reduce((sum, s, i) => sum + ((s.medianF0 >= hz) === (s.group === "child") ? weights[i]! : 0), 0)
    if (score > best.score) best = { hz, score }
  }
  return best.hz
}

const round = (x: number) => Math.round(x * 1000) / 1000

const report = (segments: ReadonlyArray<Segment>, score: (s: Segment) => number, threshold: number) => {
  const items = (filter: (s: Segment) => boolean): Array<Labelled> =>
    segments.filter(filter).map((s) => ({ score: score(s), positive: s.group === "child" }))
  const all = metricsAt(items(() => true), threshold)
  const fpr = (group: Group) => {
    const m = metricsAt(items((s) => s.group === group), threshold)
    return { segments: m.falsePositives + m.trueNegatives, falsePositiveRate: round(m.falsePositiveRate) }
  }
  const women = metricsAt(items((s) => s.group.startsWith("adult-female")), threshold)
  return {
    accuracy: round(all.accuracy),
    precision: round(all.precision),
    recall: round(all.recall),
    f1: round(all.f1),
    /** Every kind of woman's voice below together: recorded/diphone, synthetic high-pitched, pitch-raised. */
    allWomen: { segments: women.falsePositives + women.trueNegatives, falsePositiveRate: round(women.falsePositiveRate) },
    adultFemale: fpr("adult-female"),
    adultFemaleSynthetic: fpr("adult-female-synthetic"),
    adultFemaleShifted: fpr("adult-female-shifted"),
    adultMale: fpr("adult-male")
  }
}

const program = Effect.gen(function* () {
  const started = Date.now()
  mkdirSync(cache, { recursive: true })
  const wavs = yield* Effect.forEach(recordings, (r) => makeAudio(r).pipe(Effect.map((wav) => [r, wav] as const)), { concurrency: 2 })
  process.stderr.write(`audio ready in ${((Date.now() - started) / 1000).toFixed(0)} s (${cache})\n`)
  const measured = yield* measure(wavs)
  const groups = groupOf(measured)
  const segments: Array<Segment> = measured.map((m) => ({ ...m, group: groups.get(m.recording.speaker)! }))
  const train = segments.filter((s) => s.recording.split === "train")
  const heldout = segments.filter((s) => s.recording.split === "heldout")

  const model = fitLogistic(train, 0.01, 3000)
  const threshold = 0.5
  const pitchHz = bestPitchThreshold(train)
  const learned = report(heldout, (s) => predict(model, s.features), threshold)
  const pitchOnly = report(heldout, (s) => (s.medianF0 >= pitchHz ? 1 : 0), 0.5)
  const trainLearned = report(train, (s) => predict(model, s.features), threshold)
  const sweepBest = bestF1(Array.from({ length: 19 }, (_, i) => metricsAt(heldout.map((s) => ({ score: predict(model, s.features), positive: s.group === "child" })), (i + 1) / 20)))

  const bySource: Record<string, Record<string, number>> = {}
  for (const s of segments) {
    const key = `${s.recording.source} [${s.group}]`
    bySource[key] ??= { train: 0, heldout: 0 }
    bySource[key]![s.recording.split]! += 1
  }
  const speakers = (split: Split) => [...new Set(recordings.filter((r) => r.split === split).map((r) => `${r.speaker} (${groups.get(r.speaker)})`))]

  const onnxBytes = logisticOnnx(model, "features", "child_probability",
    "Child-voice probability of a speech segment from 34 acoustic features (src/analyze/voiceFeatures.ts); standardisation inside the graph.")
  const onnxFile = `${modelName}.onnx`
  writeFileSync(join(modelsDir, onnxFile), onnxBytes)
  const card = {
    name: modelName,
    task: "child-voice",
    // What runs it: ChildVoiceClassifier.layerFromCard, over src/analyze/voiceFeatures.ts.
    kind: "segment-features",
    description: "Probability that the voice of one speech segment is a child's, from pitch (YIN F0 quantiles, voiced share), " +
      "spectral shape (centroid, roll-off, 1-3 and 3-5 kHz energy shares) and MFCC 1-12 means and spreads. A standardised logistic " +
      "regression, trained on speech made from Debian packages. Its only child speaker is one synthetic (diphone) voice built from " +
      "a real boy's recordings: it has not been measured on real children's recordings, and figures below are on held-out speakers and texts of this material only.",
    file: onnxFile,
    sha256: createHash("sha256").update(onnxBytes).digest("hex"),
    sampleRate: 16000,
    windowSamples: 512,
    inputs: ["features"],
    outputs: ["child_probability"],
    labels: ["child"],
    thresholds: { child: threshold },
    features: segmentFeatureNames,
    training: {
      regenerate: "npx tsx scripts/train-child-voice.ts (apt packages listed in its header); writes this card and the ONNX file",
      method: "logistic regression, L2 0.01, 3000 full-batch gradient steps from zero; classes weigh the same, and speakers within a class",
      split: "adults: whole speakers held out; child: one speaker (festvox-czech-krb), sentences held out (different texts)",
      trainSpeakers: speakers("train"),
      heldoutSpeakers: speakers("heldout"),
      segmentsPerSource: bySource,
      segments: { train: train.length, heldout: heldout.length },
      heldoutMetrics: { threshold, learned, pitchOnly: { f0ThresholdHz: pitchHz, ...pitchOnly }, bestF1Threshold: sweepBest && { threshold: sweepBest.threshold, f1: round(sweepBest.f1) } },
      trainMetrics: trainLearned,
      caveats: [
        "Only one child voice exists in this material (a synthetic diphone voice of a Czech boy); real children, girls and other languages are unmeasured.",
        "Most adult voices are synthetic too (festival diphone/HTS, espeak-ng); real adult recordings are LibriVox and codec2's test speakers.",
        "codec2 speakers other than forig/morig are grouped female/male by their median F0 (165 Hz)."
      ]
    },
    source: "kidvoice project, trained by scripts/train-child-voice.ts on audio made from Debian packages (see training); " +
      "the training audio itself is under its packages' licences (festvox-czech-krb GPL-3+, LibriVox public domain, others free) and is not shipped",
    licence: "MIT"
  }
  writeFileSync(join(modelsDir, `${modelName}.json`), JSON.stringify(card, null, 2) + "\n")

  const labels = ["file,child", ...recordings.filter((r) => r.split === "heldout").map((r) => `${join(cache, "heldout", `${r.id}.wav`)},${r.group === "child" ? "yes" : "no"}`)]
  writeFileSync(join(cache, "heldout", "labels.csv"), labels.join("\n") + "\n")

  console.log(JSON.stringify({ segments: card.training.segments, segmentsPerSource: bySource }, null, 2))
  console.log(`held-out segments, threshold ${threshold}:`)
  const line = (name: string, r: ReturnType<typeof report>) =>
    `${name.padEnd(28)} acc ${r.accuracy.toFixed(3)}  F1 ${r.f1.toFixed(3)}  recall ${r.recall.toFixed(3)}  FPR all women ${r.allWomen.falsePositiveRate.toFixed(3)} (n=${r.allWomen.segments}): women ${r.adultFemale.falsePositiveRate.toFixed(3)} (n=${r.adultFemale.segments})  ` +
    `synthetic women ${r.adultFemaleSynthetic.falsePositiveRate.toFixed(3)} (n=${r.adultFemaleSynthetic.segments})  shifted women ${r.adultFemaleShifted.falsePositiveRate.toFixed(3)} (n=${r.adultFemaleShifted.segments})  men ${r.adultMale.falsePositiveRate.toFixed(3)} (n=${r.adultMale.segments})`
  console.log(line("learned (logistic, 34 f.)", learned))
  console.log(line(`pitch only (F0 >= ${pitchHz} Hz)`, pitchOnly))
  console.log(line("learned, on its training set", trainLearned))
  const perSpeaker = new Map<string, Array<Segment>>()
  for (const s of heldout) perSpeaker.set(s.recording.speaker, [...(perSpeaker.get(s.recording.speaker) ?? []), s])
  for (const [speaker, list] of perSpeaker) {
    const called = list.filter((s) => predict(model, s.features) >= threshold).length
    const f0 = list.map((s) => s.medianF0).sort((a, b) => a - b)[list.length >> 1]!
    console.log(`  held out ${speaker.padEnd(18)} ${list[0]!.group.padEnd(24)} n=${String(list.length).padStart(3)}  median F0 ${f0.toFixed(0).padStart(3)} Hz  called child ${called}`)
  }
  console.log(`wrote models/${onnxFile} (${onnxBytes.length} bytes) and models/${modelName}.json; held-out labels: ${join(cache, "heldout", "labels.csv")}`)
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`)
})

await Effect.runPromise(program)
