// A package that breaks a rule: the file, and what is wrong with it. Such a package ends in
// ERROR with this as its reason; trying again cannot help.

export class PackageProblem extends Error {
  constructor(
    /** The file inside the package, or "CSAR" for the package as a whole. */
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

export const problem = (file: string, what: string) => new PackageProblem(file, what);
