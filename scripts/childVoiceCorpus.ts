/**
 * The labelled speech scripts/train-child-voice.ts learns from and is measured on, made from Debian packages.
 *
 * Every base recording is one adult speaker (real or synthetic) or the one real child voice (festvox-czech-krb,
 * kept for the test side only). From each adult recording come variants:
 *   - natural: the recording itself (adult);
 *   - adult-raised: women +100..+200 cents, men -100..+150 cents, the natural spread of adult voices (adult);
 *   - two child proxies: F0 and formants raised together (sox `pitch`, a WSOLA time-stretch plus resampling, so the
 *     whole spectral envelope moves with F0 - a vocal-tract-length warp): women +400..+900 cents, men +1000..+1500
 *     cents, which puts F0 (about 200-300 Hz) and formants where 5-9-year-olds have them (child).
 * Each variant then goes through one YouTube-like condition (music bed, noise, reverberation, opus or aac round
 * trip, telephone band, or none) at a random loudness. All choices come from a PRNG seeded by the variant's id,
 * so the corpus is the same on every run with the same package versions. From the fifth round every variant also has
 * an 8 kHz twin (eightKHzTwin). Later rounds add sources (`round`); fresh test speakers of one round may be trained on
 * from a later one (`trainFrom`, see sideIn).
 */
import { execa } from "execa"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"

// ---------------------------------------------------------------- texts (written for this project)
export const czech = [
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
  "Ta hruška je sladká, ale trochu tvrdá."
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
const polish = ["Dzień dobry, dzisiaj będzie pochmurno i trochę deszczowo.", "Biblioteka jest otwarta codziennie oprócz niedzieli.", "Szliśmy wzdłuż rzeki aż do starego mostu."]
const portuguese = ["Bom dia, hoje o tempo vai estar nublado com algumas abertas.", "A biblioteca está aberta todos os dias exceto domingo.", "Caminhámos ao longo do rio até à ponte velha."]
const dutch = ["Goedemorgen, vandaag wordt het bewolkt met af en toe zon.", "De bibliotheek is elke dag open behalve op zondag.", "We liepen langs de rivier tot aan de oude brug."]
const swedish = ["God morgon, idag blir det molnigt med lite sol.", "Biblioteket är öppet varje dag utom söndag.", "Vi gick längs floden ända till den gamla bron."]

// ---------------------------------------------------------------- base recordings
export type Sex = "female" | "male" | "by-f0"
export type Split = "train" | "test"

export interface BaseRecording {
  readonly id: string
  /** Recordings of one speaker share this; folds and the test split never divide a speaker. */
  readonly speaker: string
  readonly child: boolean
  /** Adults: a named sex, or `by-f0` where the source does not say (decided from the measured median F0). */
  readonly sex: Sex
  /** Recorded by a person (true) or synthesised (false: festival diphone/HTS, espeak-ng formant synthesis). */
  readonly real: boolean
  readonly language: string
  readonly split: Split
  readonly source: string
  readonly licence: string
  /** Whether child proxies are made from it: not from espeak-ng, whose formant synthesis no child resembles. */
  readonly proxies: boolean
  /**
   * Left out when the recording's measured median F0 is above this (Hz): a game voice sped up or pitch-processed
   * into a cartoon, not a natural adult voice (the rule was fixed before any figure with these voices was seen).
   */
  readonly dropAboveF0Hz?: number
  /** The round of issue 11 that added it (absent: rounds 1-3); `--roundN` leaves later ones out to reproduce that round. */
  readonly round?: number
  /** A test speaker scored once as a round's fresh test side and trained on from this round on (the audio stays under `split`). */
  readonly trainFrom?: number
  readonly make: (wav: string) => Promise<void>
}

/** Whether a recording is part of a round's corpus (absent `round`: rounds 1-3). */
export const inRound = (b: BaseRecording, round: number) => (b.round ?? 3) <= round
/** Where a recording is in a round: a round's fresh test speakers are trained on from their `trainFrom` round. */
export const sideIn = (b: BaseRecording, round: number): Split => (b.trainFrom !== undefined && round >= b.trainFrom ? "train" : b.split)

const to16k = (inputs: ReadonlyArray<string>, output: string, ...effects: Array<string>) =>
  execa("sox", ["-R", ...inputs, "-r", "16000", "-c", "1", "-b", "16", output, ...effects]).then(() => undefined)

const festival = (voice: string, encoding: string, sentences: ReadonlyArray<string>, stretch = 1) => async (wav: string) => {
  const text = `${wav}.txt`
  const { stdout } = await execa("iconv", ["-f", "UTF-8", "-t", encoding], { input: sentences.join("\n") + "\n", encoding: "buffer" })
  writeFileSync(text, stdout)
  await execa("text2wave", ["-eval", `(begin (voice_${voice}) (Parameter.set 'Duration_Stretch ${stretch}))`, text, "-o", `${wav}.raw.wav`])
  await to16k([`${wav}.raw.wav`], wav)
}

const espeak = (voice: string, pitch: number, sentences: ReadonlyArray<string>) => async (wav: string) => {
  await execa("espeak-ng", ["-v", voice, "-p", String(pitch), "-s", "150", "-g", "8", "-w", `${wav}.raw.wav`, sentences.join(" ")])
  await to16k([`${wav}.raw.wav`], wav)
}

/** codec2's test recordings: 8 kHz raw, read speech on other equipment (radio amateurs, phone-like chains). */
const codec2Raw = (names: ReadonlyArray<string>) => (wav: string) =>
  to16k(names.flatMap((n) => ["-t", "raw", "-r", "8000", "-e", "signed", "-b", "16", "-c", "1", `/usr/share/codec2/raw/${n}.raw`]), wav)

const files = (paths: ReadonlyArray<string>) => (wav: string) => to16k(paths, wav)

/** Lines of mixed sample rates and channels (game voices): each to 16 kHz mono with 0.3 s of silence after it, then joined. */
const lines = (paths: ReadonlyArray<string>) => async (wav: string) => {
  const dir = `${wav}.d`
  mkdirSync(dir, { recursive: true })
  const parts = paths.map((_, i) => join(dir, `${i}.wav`))
  for (const [i, path] of paths.entries()) await to16k([path], parts[i]!, "pad", "0", "0.3")
  await to16k(parts, wav)
}

const chunks = <A>(items: ReadonlyArray<A>, size: number) =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size))

const fishDir = "/usr/share/games/fillets-ng/sound"

/** Every line of one Fish Fillets character in one language (`-m--` the small fish, `-pap-` the parrot, ...), sorted. */
const allFishLines = (language: string, character: string) => {
  if (!existsSync(fishDir)) return []
  const found: Array<string> = []
  for (const level of readdirSync(fishDir).sort()) {
    const dir = join(fishDir, level, language)
    if (!existsSync(dir)) continue
    for (const name of readdirSync(dir).sort()) if (new RegExp(`-${character}-.*\\.ogg$`).test(name)) found.push(join(dir, name))
  }
  return found
}

/**
 * Fish Fillets NG's dialogue, recorded by voice actors: the small fish (`-m-`, a woman) and the big fish (`-v-`,
 * a man), one pair of actors per language. Up to `count` lines, every k-th in sorted order, so the lines come
 * from across the game rather than its first levels; lines in `except` are skipped.
 */
const fishLines = (language: string, fish: "m" | "v", count: number, except: ReadonlyArray<string> = []) => {
  const found = allFishLines(language, fish).filter((line) => !except.includes(line))
  const step = Math.max(1, Math.floor(found.length / count))
  return found.filter((_, i) => i % step === 0).slice(0, count)
}

/**
 * The other characters of the Czech Fish Fillets, each voiced by an actor in an acted, often exaggerated voice
 * (a parrot, a skull, a crab, a snail, the city's loudspeaker, ...): the expressive adult voices a detector of
 * children must not take for a child. Their sex is decided from F0 like other unnamed speakers. Left out: `x`
 * (grunts and effects) and the numbered parts (several characters per file name).
 */
export const fishCharacters = ["hs", "c", "pap", "r", "s", "leb", "k", "p"] as const

/*
 * Hedgewars' voice packs (hedgewars-data) were tried and left out before any model was fitted on them: measured, every
 * pack's frame median F0 is 290-435 Hz (10 of 14 over 300 Hz by segment medians, the limit fixed beforehand): the
 * hedgehogs' lines are pitched up into cartoon voices, F0 and formants together, which is how the child proxies are
 * made. Labelled adult they would teach the model that a child-like voice is an adult's.
 */

const warzoneArchive = "/usr/share/games/warzone2100/base.wz"
/**
 * Warzone 2100's recorded voices (warzone2100-data, inside the base.wz zip): three sets of multiplayer taunts
 * (acted, shouted), the tutorial narrator, the commander's and mission messages and the VTOL pilots' radio talk.
 * The Nexus villain's lines are left out (processed). Each folder counts as one speaker.
 */
export const warzoneFolders = ["audio/taunts/taunt1", "audio/taunts/taunt2", "audio/taunts/taunt3", "audio/tutorial", "audio/memressp/cmndrvoc", "audio/memressp/missmesg", "audio/vtoltalk"] as const

/** The entry names of a game's zip archive (none when the package is not installed). */
const archiveEntries = async (archive: string) => (existsSync(archive) ? (await execa("unzip", ["-Z1", archive])).stdout.split("\n") : [])
const audioUnder = (entries: ReadonlyArray<string>, prefix: string) =>
  entries.filter((n) => n.startsWith(prefix) && /\.(ogg|wav)$/.test(n)).sort()
/** Extracts the lines into a folder beside the output and joins them (the zip stays as Debian ships it). */
const archiveLines = (archive: string, entries: ReadonlyArray<string>) => async (wav: string) => {
  const dir = `${wav}.zip.d`
  mkdirSync(dir, { recursive: true })
  await execa("unzip", ["-o", "-j", "-qq", archive, ...entries, "-d", dir])
  await lines(entries.map((l) => join(dir, l.slice(l.lastIndexOf("/") + 1))))(wav)
}

const megaGlestTechs = "/usr/share/games/megaglest/techs/megapack"
/**
 * Units whose sounds are no human voice or a processed one (monsters, animals, machines, spirits), left out by name
 * before any figure was seen.
 */
const notHumanVoices = new Set(["anubis_warrior", "mummy", "chicken", "bull", "thunderbird", "behemoth", "dragon", "evil_dragon", "ghost_armor", "drake", "wild_sow", "genie", "snake_basket", "flying_carpet", "eagle_pillar", "airship", "battle_machine", "ornithopter", "golem", "daemon", "tower", "catapult", "ram", "ballista", "cow", "pig"])
/**
 * MegaGlest's voiced units (megaglest-data, CC-BY-SA-3.0): the acknowledgement and selection lines ("yes, my lord",
 * well under a second each), of the units in each faction and of the voices the factions share (commondata). Each
 * unit counts as one speaker, sex by F0. The seventh round's fresh test speakers, trained on from the eighth.
 */
const megaGlestUnits = () => {
  if (!existsSync(megaGlestTechs)) return []
  /** An acknowledgement or selection line, `<name>_ack3.wav`: the name before it is whose voice it is. */
  const voiceLine = /_(ack|select)\d*\.(wav|ogg)$/
  const voicedNames = (dir: string) => [...new Set(readdirSync(dir).filter((f) => voiceLine.test(f)).map((f) => f.replace(voiceLine, "")))]
  const voiced = (dir: string, unit: string) =>
    existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(`${unit}_`) && voiceLine.test(f)).sort().map((f) => join(dir, f)) : []
  const factions = readdirSync(join(megaGlestTechs, "factions")).sort().flatMap((faction) =>
    readdirSync(join(megaGlestTechs, "factions", faction, "units")).sort().map((unit) => {
      const dir = join(megaGlestTechs, "factions", faction, "units", unit, "sounds")
      // A unit's files may be named after a shorter name (cudgel_lady's are cudgel_*): every prefix of its sounds.
      const names = existsSync(dir) ? voicedNames(dir) : []
      return { name: `${faction}-${unit}`, unit, lines: names.flatMap((n) => voiced(dir, n)) }
    }))
  const common = join(megaGlestTechs, "commondata", "sounds")
  const shared = voicedNames(common).sort().map((unit) => ({ name: `common-${unit}`, unit, lines: voiced(common, unit) }))
  return [...factions, ...shared].filter((u) => u.lines.length > 0 && !notHumanVoices.has(u.unit))
}

const zeroAdArchive = "/usr/share/games/0ad/mods/public/public.zip"
/**
 * 0 A.D.'s citizen voices (0ad-data, CC-BY-SA-3.0, inside public.zip): a woman and a man per language (Ancient
 * Greek, Latin, Meroitic for the Napatans, Old Persian), short acted lines of one or two words ("yes?", "to
 * arms!"). The sixth round's fresh test speakers (all of them, nothing of the package elsewhere); trained on from the
 * seventh round, once scored.
 */
export const zeroAdVoices = [["greek", "grc"], ["latin", "la"], ["napatan", "xmr"], ["persian", "peo"]] as const

const promptsRoot = "/usr/share/asterisk/sounds"
/**
 * Two professional women reading voice prompts (GSM, 8 kHz): natural read speech recorded on other equipment, in two
 * more languages. The eighth round's fresh test side; never trained on. These are NOT the asterisk-core-sounds-*
 * packages (other speakers, other publishers), which a hidden judge set is made of and which stay out of everything.
 */
export const telephonePrompts = [
  { speaker: "prompt-fr-armelle", folder: "fr", language: "fr", source: "asterisk-prompt-fr-armelle (voice actor Armelle Desjardins)", licence: "BSD-style (Michel Gutierrez 2006)" },
  { speaker: "prompt-es-co", folder: "es", language: "es", source: "asterisk-prompt-es-co (July E. Jimenez, Avatar Ltda)", licence: "GPL-2" }
] as const
/** A prompt package's recordings, those in its subfolders (digits, dictation) included; none when it is not installed. */
const promptFiles = (folder: string): Array<string> => {
  const dir = join(promptsRoot, folder)
  if (!existsSync(dir)) return []
  // English collation named, not the machine's locale: the grouping into recordings (and so their ids) is the same everywhere.
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name, "en"))
  return entries.flatMap((e) => (e.isDirectory() ? promptFiles(join(folder, e.name)) : e.name.endsWith(".gsm") ? [join(dir, e.name)] : []))
}

export const baseRecordings = async (): Promise<Array<BaseRecording>> => {
  const out: Array<BaseRecording> = []
  const add = (r: Omit<BaseRecording, "proxies" | "child"> & { proxies?: boolean; child?: boolean }) =>
    out.push({ proxies: true, child: false, ...r })

  // The one real child voice: test side only, so every figure on it is on a voice no model here was trained on.
  chunks(czech, 4).forEach((sentences, i) =>
    add({ id: `krb-${i}`, speaker: "krb", child: true, sex: "male", real: true, language: "cs", split: "test", source: "festvox-czech-krb", licence: "GPL-3+", proxies: false, make: festival("czech_krb", "ISO-8859-2", sentences, i % 2 === 0 ? 1 : 1.15) }))

  const voice = (speaker: string, v: string, encoding: string, texts: ReadonlyArray<string>, sex: Sex, language: string, split: Split, source: string, licence: string, per = 4) =>
    chunks(texts, per).forEach((sentences, i) =>
      add({ id: `${speaker}-${i}`, speaker, sex, real: false, language, split, source, licence, make: festival(v, encoding, sentences, i % 2 === 0 ? 1 : 1.15) }))
  voice("dita", "czech_dita", "ISO-8859-2", czech.slice(0, 12), "female", "cs", "test", "festvox-czech-dita", "GPL-3+")
  voice("machac", "czech_machac", "ISO-8859-2", czech.slice(8, 20), "male", "cs", "test", "festvox-czech-machac", "GPL-3+")
  voice("ph", "czech_ph", "ISO-8859-2", czech.slice(4, 16), "male", "cs", "train", "festvox-czech-ph", "GPL-3+")
  voice("slt", "cmu_us_slt_arctic_hts", "UTF-8", english.slice(0, 8), "female", "en", "train", "festvox-us-slt-hts", "free (CMU ARCTIC, BSD-style)")
  voice("kal", "kal_diphone", "UTF-8", english.slice(4, 12), "male", "en", "test", "festvox-kallpc16k", "free (CMU, BSD-style)")
  voice("ked", "ked_diphone", "UTF-8", english.slice(0, 8), "male", "en", "train", "festvox-kdlpc16k", "free (CMU, BSD-style)")
  voice("lp", "lp_diphone", "ISO-8859-1", italian, "female", "it", "train", "festvox-italp16k", "free (Italian festival voices)", 3)
  voice("pc", "pc_diphone", "ISO-8859-1", italian, "male", "it", "train", "festvox-itapc16k", "free (Italian festival voices)", 3)
  voice("lj", "suo_fi_lj_diphone", "ISO-8859-1", finnish, "female", "fi", "test", "festvox-suopuhe-lj", "LGPL-2.1 (Suopuhe)", 3)
  voice("mv", "hy_fi_mv_diphone", "ISO-8859-1", finnish, "male", "fi", "train", "festvox-suopuhe-mv", "LGPL-2.1 (Suopuhe)", 3)
  voice("ona", "upc_ca_ona_hts", "ISO-8859-1", catalan, "female", "ca", "train", "festvox-ca-ona-hts", "LGPL-2.1 (Festcat)", 3)

  // espeak-ng: formant synthesis, adult negatives only, many of them women at high pitch (the hardest to tell from a child).
  // Vietnamese is left out: the bundled demo sample uses it.
  const espeaks: Array<[string, number, ReadonlyArray<string>, Sex, Split]> = [
    ["en+f1", 80, english.slice(0, 3), "female", "train"], ["en+f2", 99, english.slice(3, 6), "female", "train"],
    ["en+f4", 90, english.slice(6, 9), "female", "train"], ["cs+f1", 85, czech.slice(0, 3), "female", "train"],
    ["cs+f5", 99, czech.slice(3, 6), "female", "train"], ["de+f2", 90, german, "female", "train"], ["fr+f4", 99, french, "female", "train"],
    ["pl+f3", 70, polish, "female", "train"], ["pt+Andrea", 75, portuguese, "female", "train"], ["nl+m3", 50, dutch, "male", "train"],
    ["sv+m1", 40, swedish, "male", "train"], ["it+m2", 50, italian.slice(0, 3), "male", "train"],
    ["en+f3", 95, english.slice(9, 12), "female", "test"], ["cs+f2", 99, czech.slice(12, 15), "female", "test"],
    ["es+f5", 90, spanish, "female", "test"], ["de+m4", 45, german, "male", "test"]
  ]
  for (const [v, pitch, sentences, sex, split] of espeaks) {
    add({ id: `espeak-${v}`, speaker: `espeak-${v}`, sex, real: false, language: v.slice(0, 2), split, source: "espeak-ng", licence: "GPL-3+", proxies: false, make: espeak(v, pitch, sentences) })
  }

  // Real recordings.
  const librivox = ["0870", "0880", "0890", "0920", "0930"].map((id) => `/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-${id}.wav`)
  add({ id: "librivox", speaker: "librivox", sex: "male", real: true, language: "en", split: "test", source: "pocketsphinx-testdata (LibriVox)", licence: "public domain (LibriVox), BSD-2 packaging", make: files(librivox) })
  const ps = "/usr/share/pocketsphinx/test/data"
  add({ id: "ps-misc", speaker: "ps-misc", sex: "by-f0", real: true, language: "en", split: "train", source: "pocketsphinx-testdata (goforward, numbers, cards)", licence: "BSD-2",
    make: (wav) => to16k([...["goforward", "numbers", "something"].flatMap((n) => ["-t", "raw", "-r", "16000", "-e", "signed", "-b", "16", "-c", "1", `${ps}/${n}.raw`]), ...[1, 2, 3, 4, 5].map((n) => `${ps}/cards/00${n}.wav`)], wav) })
  add({ id: "alsa", speaker: "alsa", sex: "by-f0", real: true, language: "en", split: "train", source: "alsa-utils (sounds/alsa)", licence: "GPL-2+",
    make: files(["Front_Center", "Front_Left", "Front_Right", "Rear_Center", "Rear_Left", "Rear_Right", "Side_Left", "Side_Right"].map((n) => `/usr/share/sounds/alsa/${n}.wav`)) })
  const codec2: Array<[string, ReadonlyArray<string>, Sex, Split]> = [
    ["forig", ["forig"], "female", "test"], ["morig", ["morig"], "male", "test"], ["hts", ["hts1a", "hts2a"], "by-f0", "train"],
    ["kristoff", ["kristoff"], "by-f0", "train"], ["mmt1", ["mmt1"], "by-f0", "train"], ["vk5qi", ["vk5qi"], "by-f0", "train"],
    ["cq_ref", ["cq_ref"], "by-f0", "train"], ["big_dog", ["big_dog"], "by-f0", "train"], ["cross", ["cross"], "by-f0", "test"],
    ["g3plx", ["g3plx"], "by-f0", "train"], ["ve9qrp", ["ve9qrp"], "by-f0", "test"]
  ]
  for (const [name, raws, sex, split] of codec2) {
    add({ id: `c2-${name}`, speaker: `c2-${name}`, sex, real: true, language: "en", split, source: "codec2-examples (8 kHz)", licence: "LGPL-2.1", make: codec2Raw(raws) })
  }
  // Fish Fillets voice actors: Czech pair trains, Dutch pair is tested.
  for (const [language, split] of [["cs", "train"], ["nl", "test"]] as const) {
    for (const [fish, sex] of [["m", "female"], ["v", "male"]] as const) {
      chunks(fishLines(language, fish, 48), 8).forEach((lines, i) =>
        add({ id: `fish-${language}-${fish}-${i}`, speaker: `fish-${language}-${fish}`, sex, real: true, language, split, source: `fillets-ng-data-${language}`, licence: "GPL-2+", make: files(lines) }))
    }
  }
  // More of the Czech pair (another 96 lines each, none of the first 48) and the other Czech characters: train side only.
  for (const [fish, sex] of [["m", "female"], ["v", "male"]] as const) {
    chunks(fishLines("cs", fish, 96, fishLines("cs", fish, 48)), 8).forEach((lines, i) =>
      add({ id: `fish-cs-${fish}-more-${i}`, speaker: `fish-cs-${fish}`, sex, real: true, language: "cs", split: "train", source: "fillets-ng-data-cs", licence: "GPL-2+", make: files(lines) }))
  }
  for (const character of fishCharacters) {
    chunks(allFishLines("cs", character), 8).forEach((lines, i) =>
      add({ id: `fish-cs-${character}-${i}`, speaker: `fish-cs-${character}`, sex: "by-f0", real: true, language: "cs", split: "train", source: "fillets-ng-data-cs", licence: "GPL-2+", make: files(lines) }))
  }
  // Fourth round of issue 11: more acted adult voices, train side only (no speaker of this package is on the test side).
  const inWarzone = await archiveEntries(warzoneArchive)
  for (const folder of warzoneFolders) {
    chunks(audioUnder(inWarzone, `${folder}/`), 16).forEach((entries, i) =>
      add({ id: `wz-${folder.slice(folder.lastIndexOf("/") + 1)}-${i}`, speaker: `wz-${folder.slice(folder.lastIndexOf("/") + 1)}`, sex: "by-f0", real: true, language: "en", split: "train", source: "warzone2100-data (base.wz audio)", licence: "GPL-2+", dropAboveF0Hz: 300, round: 4, make: archiveLines(warzoneArchive, entries) }))
  }
  // Sixth round: fresh test speakers nobody has scored (the earlier test side is the sixth round's validation side).
  const inZeroAd = await archiveEntries(zeroAdArchive)
  for (const [folder, language] of zeroAdVoices) {
    for (const sex of ["female", "male"] as const) {
      chunks(audioUnder(inZeroAd, `audio/voice/${folder}/civ/civ_${sex}_`), 8).forEach((entries, i) =>
        add({ id: `0ad-${folder}-${sex}-${i}`, speaker: `0ad-${folder}-${sex}`, sex, real: true, language, split: "test", source: "0ad-data (public.zip audio/voice)", licence: "CC-BY-SA-3.0", dropAboveF0Hz: 300, round: 6, trainFrom: 7, make: archiveLines(zeroAdArchive, entries) }))
    }
  }
  // Seventh round: fresh test speakers again, every voiced MegaGlest unit (the whole package on the test side).
  for (const unit of megaGlestUnits()) {
    chunks(unit.lines, 8).forEach((group, i) =>
      add({ id: `mg-${unit.name}-${i}`, speaker: `mg-${unit.name}`, sex: "by-f0", real: true, language: "en", split: "test", source: "megaglest-data (unit voices)", licence: "CC-BY-SA-3.0", dropAboveF0Hz: 300, round: 7, trainFrom: 8, make: lines(group) }))
  }
  // Eighth round: fresh test speakers again, two women reading telephone prompts (test side only, never trained on).
  for (const prompts of telephonePrompts) {
    chunks(promptFiles(prompts.folder), 8).forEach((group, i) =>
      add({ id: `${prompts.speaker}-${i}`, speaker: prompts.speaker, sex: "female", real: true, language: prompts.language, split: "test", source: prompts.source, licence: prompts.licence, round: 8, make: lines(group) }))
  }
  return out
}

// ---------------------------------------------------------------- variants
export type VariantKind = "natural" | "adult-raised" | "proxy"
export const conditions = ["clean", "music", "noise", "reverb", "opus", "aac", "telephone", "music+opus", "reverb+noise"] as const
/** The 8 kHz line of the fifth round's twins (eightKHzTwin): never drawn at random, so the other variants keep their audio. */
export type Condition = (typeof conditions)[number] | "8k" | "8k-ulaw"

export interface Variant {
  readonly id: string
  readonly base: BaseRecording
  readonly kind: VariantKind
  /** Joint F0 and formant shift, cents. */
  readonly cents: number
  readonly condition: Condition
  /** Loudness, dBFS peak. */
  readonly peakDb: number
  readonly child: boolean
}

/** A small seeded PRNG (mulberry32) from a string: the corpus is fixed by the ids alone. */
export const rng = (seed: string) => {
  let a = createHash("sha256").update(seed).digest().readUInt32LE(0)
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The proxy raise ranges, cents: where a 5-9-year-old's F0 and formants lie relative to an adult woman and man. */
export const proxyCents = { female: [400, 900], male: [1000, 1500] } as const
export const adultRaiseCents = { female: [100, 200], male: [-100, 150] } as const

export const variantsOf = (base: BaseRecording, sex: "female" | "male"): Array<Variant> => {
  const make = (kind: VariantKind, index: number, range: readonly [number, number] | null, child: boolean): Variant => {
    const id = `${base.id}.${kind}${index}`
    const random = rng(id)
    const cents = range === null ? 0 : Math.round(range[0] + random() * (range[1] - range[0]))
    const condition = conditions[Math.floor(random() * conditions.length)]!
    return { id, base, kind, cents, condition, peakDb: -1 - Math.round(random() * 24), child }
  }
  if (base.child) return [make("natural", 0, null, true), make("natural", 1, null, true)]
  return [
    make("natural", 0, null, false),
    make("adult-raised", 0, adultRaiseCents[sex], false),
    ...(base.proxies ? [make("proxy", 0, proxyCents[sex], true), make("proxy", 1, proxyCents[sex], true)] : [])
  ]
}

/**
 * Fifth round of issue 11: every variant once more through an 8 kHz line, as telephony prompts, voice messages and
 * low-rate uploads are stored: nothing above 4 kHz (where a child's third formant and fricatives lie), half of them
 * also μ-law coded. The "telephone" condition (300-3400 Hz) is one in nine variants; these twins let the model learn
 * every speaker, child and adult, both with and without the upper band, instead of guessing from a few.
 */
export const eightKHzTwin = (v: Variant): Variant => {
  const id = `${v.id}.8k`
  const random = rng(id)
  return { ...v, id, condition: random() < 0.5 ? "8k" : "8k-ulaw", peakDb: -1 - Math.round(random() * 24) }
}

const seedOf = (id: string) => createHash("sha256").update(id).digest().readUInt32LE(0) % 100000

/** Plays the variant's condition over the base recording: sox for pitch, loudness, reverberation and band; ffmpeg for mixing and codecs. */
export const makeVariant = async (v: Variant, baseWav: string, out: string, musicBed: string) => {
  if (existsSync(out)) return
  const tmp = `${out}.tmp.wav`
  // An 8 kHz line: the shift and level are made at 8 kHz (μ-law coded for "8k-ulaw"), then the file is brought back to 16 kHz.
  const eightKHz = v.condition === "8k" || v.condition === "8k-ulaw"
  const first = eightKHz ? `${out}.8k.wav` : tmp
  const soxEffects = [
    ...(v.cents !== 0 ? ["pitch", String(v.cents)] : []),
    ...(v.condition.includes("reverb") ? ["reverb", "40", "50", "70"] : []),
    ...(v.condition === "telephone" ? ["sinc", "300-3400", "rate", "8000", "rate", "16000"] : []),
    "gain", "-n", String(v.peakDb)
  ]
  await execa("sox", ["-R", baseWav, "-r", eightKHz ? "8000" : "16000", "-c", "1", ...(v.condition === "8k-ulaw" ? ["-e", "u-law"] : ["-b", "16"]), first, ...soxEffects])
  if (eightKHz) {
    await execa("sox", ["-R", first, "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", tmp])
    rmSync(first)
  }
  const ffmpeg = (args: ReadonlyArray<string>) => execa("ffmpeg", ["-nostdin", "-loglevel", "error", "-y", ...args])
  let current = tmp
  const seed = seedOf(v.id)
  if (v.condition.startsWith("music")) {
    // The bed at 10-20 dB below the voice, starting somewhere in the 60 s loop.
    const mixed = `${out}.mix.wav`
    await ffmpeg(["-i", current, "-stream_loop", "-1", "-ss", String(seed % 50), "-i", musicBed, "-filter_complex",
      `[1]volume=${(0.1 + (seed % 20) / 100).toFixed(2)}[m];[0][m]amix=inputs=2:duration=first:normalize=0`, "-ar", "16000", "-ac", "1", mixed])
    current = mixed
  }
  if (v.condition.endsWith("noise")) {
    const noisy = `${out}.noise.wav`
    await ffmpeg(["-i", current, "-f", "lavfi", "-i", `anoisesrc=color=pink:amplitude=${(0.005 + (seed % 10) / 500).toFixed(3)}:seed=${seed}:sample_rate=16000`,
      "-filter_complex", "[0][1]amix=inputs=2:duration=first:normalize=0", "-ar", "16000", "-ac", "1", noisy])
    current = noisy
  }
  if (v.condition.endsWith("opus") || v.condition === "aac") {
    const coded = v.condition === "aac" ? `${out}.m4a` : `${out}.ogg`
    await ffmpeg(["-i", current, ...(v.condition === "aac" ? ["-c:a", "aac", "-b:a", "48k"] : ["-c:a", "libopus", "-b:a", "24k"]), coded])
    const back = `${out}.dec.wav`
    await ffmpeg(["-i", coded, "-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le", back])
    current = back
  }
  renameSync(current, out)
}

/** A 60 s music bed (plucked chords, bass, drum-like noise bursts, reverberated): the background of many videos. */
export const makeMusicBed = async (dir: string) => {
  const out = join(dir, "music-bed.wav")
  if (existsSync(out)) return out
  mkdirSync(dir, { recursive: true })
  const chord = (notes: ReadonlyArray<string>) => notes.flatMap((n) => ["pluck", n])
  const parts: Array<string> = []
  const progression = [["C4", "E4", "G4"], ["A3", "C4", "E4"], ["F3", "A3", "C4"], ["G3", "B3", "D4"]]
  for (let bar = 0; bar < 30; bar++) {
    const part = join(dir, `bar${bar}.wav`)
    // One channel per note, mixed down by the second sox (a single-channel synth would keep only the first note).
    const notes = [...chord(progression[bar % 4]!), "sine", bar % 2 === 0 ? "C2" : "G2"]
    await execa("bash", ["-c", `sox -n -r 16000 -c 4 -t s16 - synth 2 ${notes.join(" ")} | sox -t s16 -r 16000 -c 4 - -c 1 ${part} fade 0 2 0.3 gain -n -6`])
    parts.push(part)
  }
  await execa("sox", [...parts, out, "reverb", "30"])
  return out
}
