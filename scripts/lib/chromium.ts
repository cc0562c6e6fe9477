/**
 * The one Chromium launcher of the repository's programs and tests: Debian's `chromium` package
 * (`/usr/bin/chromium`, or the binary `CHROMIUM_PATH` names) driven by playwright-core. Used by the
 * simulation report (PNG copies of its charts) and the dashboard's browser test.
 *
 * playwright-core ships no browser; it drives the system's. When the binary is missing,
 * {@link launchChromium} throws {@link ChromiumNotFoundError}, whose one-line message is the fix.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

import { chromium, type Browser, type LaunchOptions } from "playwright-core";

import { AitbcError } from "@aitbc/sdk";

/** The Debian package's binary, used when the environment variable `CHROMIUM_PATH` is unset. */
export const DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium";

/** The Chromium binary: the environment variable `CHROMIUM_PATH`, else `/usr/bin/chromium` (read at load). */
export const CHROMIUM_PATH: string = process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM_PATH;

/** The one command that installs the binary at {@link DEFAULT_CHROMIUM_PATH} on Debian. */
export const CHROMIUM_INSTALL_COMMAND = "apt-get install chromium";

/**
 * No Chromium binary at the path asked for. The short message is one line and says how to get it:
 * `Chromium not found at /usr/bin/chromium: install it with "apt-get install chromium" or set CHROMIUM_PATH`.
 *
 * @example
 * ```ts
 * try {
 *   await launchChromium();
 * } catch (error) {
 *   if (error instanceof ChromiumNotFoundError) console.error(error.shortMessage);
 * }
 * ```
 */
export class ChromiumNotFoundError extends AitbcError {
  override name = "ChromiumNotFoundError";
  /** The path that was tried. */
  readonly path: string;

  /** @param path The binary that does not exist. */
  constructor(path: string) {
    super(
      `Chromium not found at ${path}: install it with "${CHROMIUM_INSTALL_COMMAND}" or set CHROMIUM_PATH`,
      {
        details:
          "playwright-core drives the system's Chromium (Debian package 'chromium'); it downloads none",
      },
    );
    this.path = path;
  }
}

/** Chromium exists at the path but playwright-core could not start it; `cause` is playwright's error. */
export class ChromiumLaunchError extends AitbcError {
  override name = "ChromiumLaunchError";
  /** The binary that failed to start. */
  readonly path: string;

  /**
   * @param path The binary.
   * @param cause playwright-core's error.
   */
  constructor(path: string, cause: unknown) {
    super(`Chromium at ${path} did not start`, { cause });
    this.path = path;
  }
}

/** Options of {@link launchChromium}: playwright-core's launch options, with the binary defaulted. */
export interface LaunchChromiumParameters extends Omit<LaunchOptions, "executablePath"> {
  /** The binary, default {@link CHROMIUM_PATH}. */
  executablePath?: string;
}

/**
 * Starts headless Chromium through playwright-core. `--no-sandbox` (we run as root in containers)
 * and `--disable-background-networking` (no update checks or other requests of its own) are always
 * passed, before any `args` given.
 *
 * @param parameters playwright-core launch options; `executablePath` defaults to {@link CHROMIUM_PATH}.
 * @returns The browser; close it with `browser.close()`.
 * @throws {ChromiumNotFoundError} when the binary does not exist (nothing is started).
 * @throws {ChromiumLaunchError} when it exists but does not start.
 *
 * @example
 * ```ts
 * const browser = await launchChromium();
 * const page = await browser.newPage();
 * await page.setContent("<p>hello</p>");
 * await browser.close();
 * ```
 */
export async function launchChromium(parameters: LaunchChromiumParameters = {}): Promise<Browser> {
  const { executablePath = CHROMIUM_PATH, args = [], ...rest } = parameters;
  if (!existsSync(executablePath)) throw new ChromiumNotFoundError(executablePath);
  try {
    return await chromium.launch({
      ...rest,
      executablePath,
      args: ["--no-sandbox", "--disable-background-networking", ...args],
    });
  } catch (error) {
    throw new ChromiumLaunchError(executablePath, error);
  }
}

/**
 * For tests and set-up scripts: installs Debian's `chromium` with apt-get when
 * {@link DEFAULT_CHROMIUM_PATH} is the binary asked for and it is missing (a custom `CHROMIUM_PATH`
 * is never installed over). Blocks until apt-get ends; its output goes to this process's.
 *
 * @param path The binary wanted, default {@link CHROMIUM_PATH}.
 * @throws {ChromiumNotFoundError} when the binary is still missing afterwards.
 */
export function ensureChromium(path: string = CHROMIUM_PATH): void {
  if (existsSync(path)) return;
  if (path === DEFAULT_CHROMIUM_PATH) {
    execFileSync("apt-get", ["install", "-y", "chromium"], { stdio: "inherit" });
  }
  if (!existsSync(path)) throw new ChromiumNotFoundError(path);
}
