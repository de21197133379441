/*
 * A command-line component: wasi-libc gives it main(), arguments, stdio and an exit code, and
 * the WASI preview1 command adapter turns the core module into a component exporting wasi:cli/run.
 */
#include <stdio.h>
#include <string.h>

static const char greeting[] = "{{greeting}}";

static int usage(FILE *out, const char *program) {
  fprintf(out, "usage: %s [--help] [NAME...]\nPrints a greeting, then greets each NAME.\n", program);
  return out == stdout ? 0 : 1;
}

int main(int argc, char **argv) {
  const char *program = argc > 0 ? argv[0] : "{{name}}";
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0) return usage(stdout, program);
    if (argv[i][0] == '-') {
      fprintf(stderr, "%s: unknown option %s\n", program, argv[i]);
      return usage(stderr, program);
    }
  }
  puts(greeting);
  for (int i = 1; i < argc; i++) printf("Hello, %s!\n", argv[i]);
  return 0;
}
