/** One file of an install guide: an Istio install input, the install notes or the verification script. */
export interface InstallFile {
  /** Path relative to the folder the guide is written to, '/'-separated, e.g. "istio/istio-operator.yaml". */
  readonly path: string;
  /** The whole text of the file. */
  readonly content: string;
  /** Whether the file is a script to run, written with mode 0755 (the others with 0644). */
  readonly executable: boolean;
}
