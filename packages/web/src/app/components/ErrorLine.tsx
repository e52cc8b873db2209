/** An error message where assistive technology announces it; empty (and hidden) when there is none. */
export function ErrorLine({ message, testId }: { message: string; testId?: string | undefined }) {
  return (
    <p className="error" role="alert" data-testid={testId}>
      {message}
    </p>
  );
}
