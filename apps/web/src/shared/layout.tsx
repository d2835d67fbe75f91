import type { ComponentChildren } from 'preact';

export type Tone = 'info' | 'error' | 'warn' | 'success';

export interface NoticeState {
  tone: Tone;
  text: string;
  /** Bumped on each new notice, so the same words twice still announce themselves. */
  id: number;
}

let noticeIds = 0;
export const makeNotice = (tone: Tone, text: string): NoticeState => ({ tone, text, id: ++noticeIds });

export function Notice({ notice, onClose }: { notice: NoticeState | null; onClose: () => void }) {
  if (!notice) return null;
  return (
    <div
      class={`notice notice-${notice.tone}`}
      role={notice.tone === 'error' ? 'alert' : 'status'}
      data-testid="notice"
      data-tone={notice.tone}
      key={notice.id}
    >
      <span class="notice-text">{notice.text}</span>
      <button type="button" class="notice-close" aria-label="Dismiss" onClick={onClose}>
        ×
      </button>
    </div>
  );
}

export function TopBar({ children, href = '/' }: { children?: ComponentChildren; href?: string }) {
  return (
    <header class="topbar">
      <a class="wordmark" href={href}>
        <span class="wordmark-mark" aria-hidden="true">
          ♪
        </span>
        Encore Tickets
      </a>
      <div class="topbar-user">{children}</div>
    </header>
  );
}

export function Hero({ kicker, title, sub }: { kicker: string; title: string; sub?: ComponentChildren }) {
  return (
    <section class="hero">
      <div class="hero-inner">
        <div class="hero-kicker">{kicker}</div>
        <h1>{title}</h1>
        {sub ? <p class="hero-sub">{sub}</p> : null}
      </div>
    </section>
  );
}
