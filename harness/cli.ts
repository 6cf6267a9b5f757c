/**
 * How the tools' commands end: `main`'s resolved number is the exit code; anything it throws is a crash,
 * printed with its stack as `<name> failed: ...`, exit code 2 (1 stays "your input is wrong").
 */
export function runCommand(name: string, main: (argv: readonly string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(
        `${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(2);
    },
  );
}
