#!/usr/bin/env bash
# Regenerate the bundled demo input folder samples/ (see samples/README.md).
#
# Usage: bash scripts/make-samples.sh [OUT_DIR]      (default: <repo>/samples)
#
# Everything is made offline from Debian packages; the output is
# deterministic (fixed texts, fixed sox seed via -R, ffmpeg bitexact muxing,
# sha256-chain "garbage"), so re-running overwrites the files with identical
# bytes on the same tool versions. samples/README.md is not touched.
set -euo pipefail
export LC_ALL=C.UTF-8

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/samples}"
LIBRIVOX_DIR=/usr/share/pocketsphinx/test/data/librivox
FEST_VOICES=/usr/share/festival/voices

die() { echo "make-samples: ERROR: $*" >&2; exit 1; }
log() { echo "make-samples: $*" >&2; }

# ---------------------------------------------------------------- tool checks
missing=()
need_cmd()  { command -v "$1" >/dev/null 2>&1 || missing+=("command '$1' (apt-get install $2)"); }
need_path() { [[ -e "$1" ]] || missing+=("$1 (apt-get install $2)"); }
need_cmd ffmpeg     ffmpeg
need_cmd ffprobe    ffmpeg
need_cmd sox        sox
need_cmd espeak-ng  espeak-ng
need_cmd text2wave  festival
need_cmd iconv      libc-bin
need_cmd sha256sum  coreutils
need_path /usr/share/festival/czech.scm            festival-czech
need_path "$FEST_VOICES/czech/czech_krb"           festvox-czech-krb
need_path "$FEST_VOICES/english/kal_diphone"       festvox-kallpc16k
need_path "$LIBRIVOX_DIR/sense_and_sensibility_01_austen_64kb-0870.wav" pocketsphinx-testdata
if ((${#missing[@]})); then
  echo "make-samples: missing prerequisites:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 1
fi
if ! espeak-ng --voices=vi 2>/dev/null | grep -q ' vi '; then
  die "espeak-ng has no Vietnamese voice (apt-get install espeak-ng-data)"
fi
encoders="$(ffmpeg -hide_banner -encoders 2>/dev/null)"
for enc in libvorbis libopus flac; do
  grep -q " $enc " <<<"$encoders" || die "ffmpeg lacks the $enc encoder (apt-get install ffmpeg from Debian main)"
done
if grep -q ' libmp3lame ' <<<"$encoders"; then
  POEM_EXT=mp3; POEM_CODEC=(-c:a libmp3lame -b:a 48k)
else
  log "ffmpeg has no libmp3lame; writing the poem as .m4a (AAC) instead of .mp3"
  POEM_EXT=m4a; POEM_CODEC=(-c:a aac -b:a 48k)
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"

# ffmpeg wrapper: quiet, bitexact (fixed Ogg serials, no encoder/version tags).
ff() { ffmpeg -nostdin -hide_banner -v error -y "$@"; }
BITEXACT=(-map_metadata -1 -fflags +bitexact -flags:a +bitexact)

# Festival Czech wants ISO-8859-2 input. Synthesize one sentence per line,
# append a pause after each, and concatenate. $1 voice, $2 pause s, $3 out.wav,
# stdin: UTF-8 text, one sentence per line.
festival_lines() {
  local voice="$1" pause="$2" out="$3" enc="$4" i=0 line parts=()
  while IFS= read -r line; do
    [[ -z "$line" ]] && continue
    i=$((i + 1))
    printf '%s\n' "$line" | iconv -f UTF-8 -t "$enc" > "$TMP/line$i.txt"
    text2wave -eval "($voice)" "$TMP/line$i.txt" -o "$TMP/line$i.raw.wav"
    sox -R "$TMP/line$i.raw.wav" "$TMP/line$i.wav" pad 0 "$pause"
    parts+=("$TMP/line$i.wav")
  done
  ((i > 0)) || die "no text for $out"
  # 0.3 s of lead-in silence, then the sentences.
  sox -R "${parts[@]}" "$out" pad 0.3 0
  rm -f "$TMP"/line*
}

# ----------------------------------------------------- 1. child-cs-story.ogg
log "1/8 child-cs-story.ogg (festival voice_czech_krb, Czech child voice)"
festival_lines voice_czech_krb 0.45 "$TMP/story.wav" ISO-8859-2 <<'TXT'
Byl jednou jeden malý ježek, který se jmenoval Bodlinka.
Bydlel na kraji lesa pod starou jabloní.
Jednoho rána se probudil a slyšel, jak venku prší.
Vzal si červený deštník a šel navštívit kamarádku veverku.
Pojď dál, ježku, řekla veverka, uvařím ti čaj.
Pili spolu čaj s medem a dívali se z okna na duhu.
Když přestalo pršet, ježek poděkoval a šel domů.
Večer usnul v teplém listí a zdálo se mu o oříšcích.
A tím je pohádka u konce.
TXT
ff -i "$TMP/story.wav" -ar 44100 -ac 2 -c:a libvorbis -q:a 0 "${BITEXACT[@]}" \
   "$OUT/child-cs-story.ogg"

# ----------------------------------------------------- 2. child-cs-poem.mp3
log "2/8 child-cs-poem.$POEM_EXT (festival voice_czech_krb, counting rhyme)"
festival_lines voice_czech_krb 0.3 "$TMP/poem.wav" ISO-8859-2 <<'TXT'
Jedna, dvě, tři, čtyři, pět,
vyletěla včelka v svět.
Šest a sedm, osm, devět,
kdo chce medu, musí vědět,
že na louce kvete mák,
a nad ním letí malý pták.
Deset kytek v zahrádce,
bzučí včelka po řádce.
TXT
ff -i "$TMP/poem.wav" -ar 22050 -ac 1 "${POEM_CODEC[@]}" "${BITEXACT[@]}" \
   "$OUT/child-cs-poem.$POEM_EXT"

# -------------------------------------------------- 3. adult-en-librivox.flac
log "3/8 adult-en-librivox.flac (real LibriVox adult reader, pocketsphinx-testdata)"
lv=()
for id in 0870 0880 0890 0920 0930; do
  lv+=("$LIBRIVOX_DIR/sense_and_sensibility_01_austen_64kb-$id.wav")
  lv+=("$TMP/gap.wav")
done
sox -R -n -r 16000 -c 1 -b 16 "$TMP/gap.wav" trim 0 0.25
sox -R "${lv[@]}" "$TMP/librivox.wav"
ff -i "$TMP/librivox.wav" -c:a flac -compression_level 8 "${BITEXACT[@]}" \
   "$OUT/adult-en-librivox.flac"

# ------------------------------------------------------ 4. adult-en-kal.wav
log "4/8 adult-en-kal.wav (festival voice_kal_diphone, adult US male)"
festival_lines voice_kal_diphone 0.35 "$TMP/kal.wav" UTF-8 <<'TXT'
Good evening, and welcome to the weather report.
Tomorrow will start cloudy, with light rain in the morning.
In the afternoon the sky should clear, and it will be warm and sunny.
Bring an umbrella, just in case.
TXT
sox -R "$TMP/kal.wav" -r 11025 -b 16 -c 1 "$OUT/adult-en-kal.wav" gain -n -1

# --------------------------------------------- 5. child-like-espeak-vi.ogg
log "5/8 child-like-espeak-vi.ogg (espeak-ng vi+f5, pitch 99: synthetic, child-LIKE)"
espeak-ng -v vi+f5 -p 99 -s 150 -g 6 -w "$TMP/vi.wav" \
  "Xin chào, con tên là Minh. Năm nay con năm tuổi. Con thích ăn kem và chơi với con mèo nhỏ. Nhà con có một con chó tên là Vàng. Mẹ con nói con rất ngoan. Con thích vẽ ông mặt trời màu vàng."
sox -R "$TMP/vi.wav" "$TMP/vi-pad.wav" pad 0.3 0.3
ff -i "$TMP/vi-pad.wav" -ac 1 -c:a libopus -b:a 24k "${BITEXACT[@]}" \
   "$OUT/child-like-espeak-vi.ogg"

# ------------------------------------------------- 6. music-no-speech.ogg
log "6/8 music-no-speech.ogg (sox synth, no speech)"
# Melody "Ode to Joy" (Beethoven, public domain) over a bass line.
# Each token: melody:bass:beats
BEAT=0.32
music_tokens=(
  E4:C3:1 E4:C3:1 F4:C3:1 G4:C3:1  G4:G2:1 F4:G2:1 E4:G2:1 D4:G2:1
  C4:A2:1 C4:A2:1 D4:A2:1 E4:A2:1  E4:G2:1.5 D4:G2:0.5 D4:G2:2
  E4:C3:1 E4:C3:1 F4:C3:1 G4:C3:1  G4:G2:1 F4:G2:1 E4:G2:1 D4:G2:1
  C4:A2:1 C4:A2:1 D4:A2:1 E4:A2:1  D4:G2:1.5 C4:C3:0.5 C4:C3:2
  D4:G2:1 D4:G2:1 E4:C3:1 C4:C3:1  D4:G2:1 E4:C3:0.5 F4:C3:0.5 E4:C3:1 C4:C3:1
  D4:G2:1 E4:C3:0.5 F4:C3:0.5 E4:C3:1 D4:G2:1  C4:C3:1 D4:G2:1 G3:G2:2
  E4:C3:1 E4:C3:1 F4:C3:1 G4:C3:1  G4:G2:1 F4:G2:1 E4:G2:1 D4:G2:1
  C4:A2:1 C4:A2:1 D4:A2:1 E4:A2:1  D4:G2:1.5 C4:C3:0.5 C4:C3:3
)
notes=()
n=0
for tok in "${music_tokens[@]}"; do
  IFS=: read -r mel bass beats <<<"$tok"
  dur="$(awk -v b="$beats" -v t="$BEAT" 'BEGIN{printf "%.3f", b*t}')"
  n=$((n + 1))
  f="$TMP/note$(printf %03d "$n").wav"
  case "$bass" in C3) fifth=G3 ;; G2) fifth=D3 ;; A2) fifth=E3 ;; *) fifth="$bass" ;; esac
  # ch1 plucked melody, ch2 sine bass, ch3 soft triangle a fifth above the bass.
  sox -R -n -r 44100 -c 3 -b 16 "$f" synth "$dur" pluck "$mel" sine "$bass" triangle "$fifth"
  sox -R "$f" "$f.st.wav" remix 1v0.55,2v0.30,3v0.10 1v0.45,2v0.30,3v0.15 \
    fade q 0.01 "$dur" 0.04
  notes+=("$f.st.wav")
done
sox -R "${notes[@]}" "$TMP/music.wav" reverb 35 gain -n -3 pad 0.2 0.5
ff -i "$TMP/music.wav" -ar 48000 -ac 2 -c:a libvorbis -q:a 0 "${BITEXACT[@]}" \
   "$OUT/music-no-speech.ogg"

# ---------------------------------------------------------- 7. silence.wav
log "7/8 silence.wav (near-silent white-noise floor, fixed seed)"
sox -R -n -r 8000 -c 1 -b 16 "$OUT/silence.wav" synth 10 whitenoise vol 0.001

# ---------------------------------------------------- 8. broken-upload.mp3
log "8/8 broken-upload.mp3 (deliberately undecodable)"
# What a failed upload often leaves behind: an HTML error page followed by
# junk. The junk is a sha256 hash chain (deterministic) with all 0xFF bytes
# removed, so it can never contain an MPEG frame sync word.
{
  printf '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><p>upload interrupted</p></body></html>\n'
  h=kidvoice-broken-upload
  for ((i = 0; i < 200; i++)); do
    h="$(printf '%s' "$h" | sha256sum | cut -d' ' -f1)"
    printf "$(sed 's/../\\x&/g' <<<"$h")"
  done | tr -d '\377'
} > "$OUT/broken-upload.mp3"

# ------------------------------------------------------------ verification
GOOD=(child-cs-story.ogg "child-cs-poem.$POEM_EXT" adult-en-librivox.flac
      adult-en-kal.wav child-like-espeak-vi.ogg music-no-speech.ogg silence.wav)
BAD=(broken-upload.mp3)

probe() { # file field -> value of the first audio stream / format
  ffprobe -v error -select_streams a:0 -show_entries "$2" \
    -of default=noprint_wrappers=1:nokey=1 "$1" 2>/dev/null | head -n1
}

printf '\n%-26s %-5s %-9s %6s %3s %6s %8s  %s\n' \
  FILE FORMAT CODEC RATE CH DUR_S SIZE_KB STATUS
for f in "${GOOD[@]}"; do
  p="$OUT/$f"
  ff -xerror -i "$p" -f null - || die "$f does not decode cleanly"
  fmt="$(probe "$p" format=format_name)"; codec="$(probe "$p" stream=codec_name)"
  rate="$(probe "$p" stream=sample_rate)"; ch="$(probe "$p" stream=channels)"
  dur="$(probe "$p" format=duration)"
  [[ -n "$codec" && -n "$dur" ]] || die "$f: ffprobe found no audio stream"
  printf '%-26s %-5s %-9s %6s %3s %6.2f %8d  %s\n' "$f" "${fmt%%,*}" "$codec" \
    "$rate" "$ch" "$dur" $(( ($(stat -c %s "$p") + 512) / 1024 )) "ok (decodes)"
done
for f in "${BAD[@]}"; do
  p="$OUT/$f"
  if ff -xerror -i "$p" -f null - 2>/dev/null && [[ -n "$(probe "$p" stream=codec_type)" ]]; then
    die "$f unexpectedly decodes; it must be broken"
  fi
  printf '%-26s %-5s %-9s %6s %3s %6s %8d  %s\n' "$f" - - - - - \
    $(( ($(stat -c %s "$p") + 512) / 1024 )) "ok (fails to decode, as intended)"
done
total=0
for f in "${GOOD[@]}" "${BAD[@]}"; do total=$((total + $(stat -c %s "$OUT/$f"))); done
printf '\ntotal: %d KB in %s\n' $(( (total + 512) / 1024 )) "$OUT"
