export function PlaceholderScreen({ title, text }: { title: string; text: string }) {
  return (
    <section aria-labelledby="screen-title">
      <header className="screen-header">
        <h1 id="screen-title">{title}</h1>
      </header>
      <div className="empty">
        <p>{text}</p>
      </div>
    </section>
  );
}
