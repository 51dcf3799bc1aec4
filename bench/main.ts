/**
 * Benchmarks: `npm run bench -- <name> [options]`. They print figures; nothing here is asserted.
 *   analyze        real-time factor of decode, decode + VAD, full analysis on 1 and 2 workers, and peak memory
 *                  on a 1-hour file (--minutes 10 --rss-minutes 60)
 *   manifest       durable updates/s with 1, 10, 12 writer processes at 10k and 1M rows, beside the old
 *                  JSON+lock-file pattern and raw SQLite (--rows, --processes, --seconds)
 *   large-manifest status, claims, reclaim, paging and exports on a 1M-row manifest (--rows)
 *   download       files/s, MB/s and peak RSS of real yt-dlp + ffmpeg downloads from 127.0.0.1 at several
 *                  concurrencies, beside the same commands in a shell loop (--files, --concurrency, --minutes)
 *   startup        median wall and CPU time of --version, --help and status on a 10k-row manifest, through tsx and
 *                  through the bundle, and another checkout's bundle for before/after (--rows, --runs, --no-tsx, --against DIR)
 *   pipeline       orchestration per video with instant stages at 1k/10k/100k videos, and CPU of 300 short local
 *                  files through `kidvoice run` ÷ a bare ffmpeg shell loop (--sizes, --files, --runs, --only)
 *   transcribe     per-clip cost of the Whisper transcription loop on the tiny test model, and of its log-mel
 *                  features alone (--clips, --seconds)
 *   cluster        videos/s of 1, 2, 3 `kidvoice worker` runners on one PostgreSQL manifest from a server that paces each
 *                  connection: download-only runners, then the full pipeline (--files, --runners, --full-runners,
 *                  --seconds-per-file, --per-runner)
 */
import { execa } from "execa"
import { join } from "node:path"

const harnesses: Record<string, string> = {
  manifest: "manifest.ts",
  "large-manifest": "largeManifest.ts",
  analyze: "analyze.ts",
  download: "download.ts",
  startup: "startup.ts",
  pipeline: "pipeline.ts",
  transcribe: "transcribe.ts",
  cluster: "cluster.ts"
}

const [name = "analyze", ...rest] = process.argv.slice(2)
const file = harnesses[name]
if (!file) {
  process.stderr.write(`unknown benchmark ${name}; known: ${Object.keys(harnesses).join(", ")}\n`)
  process.exit(2)
}
await execa("npx", ["tsx", join(import.meta.dirname, file), ...rest], { stdio: "inherit" })
