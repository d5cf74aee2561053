/**
 * Reading a file that may not be there: an optional part of a folder the program keeps (a model's
 * reference distribution, the promoted-version pointer).
 *
 * @example
 * ```ts
 * const text = await readTextFileIfExists("resources/models/promoted.json");
 * if (text === undefined) console.log("no version is promoted");
 * ```
 *
 * @module
 */

/**
 * The text of the file at `path`, or undefined when there is none.
 *
 * @throws {Error} any other failure to read it (no permission, a folder, ...).
 */
export async function readTextFileIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
