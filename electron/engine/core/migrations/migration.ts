// One numbered, forward-only schema step (a file per step beside this one, listed in ../migrations.ts).

export interface Migration {
  version: number;
  description: string;
  /** The SQL run in the step's transaction, its columns commented where they are created. */
  up: string;
}
