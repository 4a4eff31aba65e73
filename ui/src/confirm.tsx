/** The confirmation every action goes through: what will happen, and Confirm / Cancel. */

/** An action the operator asked for, waiting for confirmation. */
export interface PendingAction {
  title: string;
  /** What it does, in words (the gates that hold it, what restarts). */
  explain: string;
  path: string;
  body: unknown;
  /** The cluster whose views change. */
  cluster?: string;
}

export function Confirm(props: { action: PendingAction; onConfirm: () => void; onCancel: () => void }) {
  return (
    <dialog open aria-modal="true" aria-labelledby="confirm-title">
      <h3 id="confirm-title">{props.action.title}?</h3>
      <p>{props.action.explain}</p>
      <button onClick={props.onConfirm}>Confirm</button>
      <button onClick={props.onCancel}>Cancel</button>
    </dialog>
  );
}
