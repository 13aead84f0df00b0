// Names as the firmware server's clients know them: bare in the default space, else <space>/<name>.
export function shownName(space: string, name: string, defaultSpace: string | undefined): string {
  return space === defaultSpace ? name : `${space}/${name}`;
}
