import { Either, Redacted } from "effect"
import { join, resolve } from "node:path"

/**
 * Where the manifest lives: an SQLite file in the working directory (the embedded default), or a PostgreSQL database
 * shared by many processes and machines. Chosen once, from the `manifest` setting, by `manifestLocation`.
 */
export type ManifestLocation =
  | { readonly _tag: "Sqlite"; readonly path: string }
  | {
    readonly _tag: "Postgres"
    readonly url: Redacted.Redacted<string>
    /** The URL as it may be shown in messages and reports: the password replaced by `***`. */
    readonly shown: string
  }

/** The `manifest` setting is neither empty nor a PostgreSQL URL kidvoice can read. */
export interface ManifestSettingProblem {
  readonly given: string
  readonly reason: string
}

/** A PostgreSQL URL with its password hidden, for messages and logs. Pure. */
export const hidePassword = (url: URL): string => {
  if (url.password === "") return url.href
  const shown = new URL(url.href)
  shown.password = "***"
  return shown.href
}

/** Text that may hold a URL with a password (a driver's message), with every password hidden. Pure. */
export const hidePasswordsIn = (text: string): string => text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, "$1***@")

/**
 * The manifest a setting names. Null (the default): `<out>/manifest.sqlite`. A `postgres://` or `postgresql://` URL:
 * that database. Pure: nothing is opened here.
 */
export const manifestLocation = (setting: string | null, out: string): Either.Either<ManifestLocation, ManifestSettingProblem> => {
  if (setting === null) return Either.right({ _tag: "Sqlite", path: join(resolve(out), "manifest.sqlite") })
  if (!/^postgres(ql)?:\/\//i.test(setting)) {
    return Either.left({ given: hidePasswordsIn(setting), reason: "expected a postgres://user[:password]@host[:port]/database URL (leave it unset for the SQLite file under --out)" })
  }
  let url: URL
  try {
    url = new URL(setting)
  } catch {
    return Either.left({ given: hidePasswordsIn(setting), reason: "not a readable URL" })
  }
  if (url.hostname === "" && !url.searchParams.has("host")) {
    return Either.left({ given: hidePassword(url), reason: "the URL names no host (postgres://user@host:5432/database)" })
  }
  if (url.pathname.replace(/^\//, "") === "") {
    return Either.left({ given: hidePassword(url), reason: "the URL names no database (postgres://user@host:5432/database)" })
  }
  return Either.right({ _tag: "Postgres", url: Redacted.make(setting), shown: hidePassword(url) })
}

/** How a location is named in reports and errors (a file path, or the URL without its password). */
export const shownLocation = (location: ManifestLocation): string => location._tag === "Sqlite" ? location.path : location.shown
