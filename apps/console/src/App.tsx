import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { BrowserRouter, Navigate, NavLink, Route, Routes } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { User, UserManager } from 'oidc-client-ts';
import { ConsoleConfig, loadConfig, personOf, userManager } from './auth';
import { configureApi } from './api';
import { connectLive } from './live';
import { currentLocale, LOCALES, setLocale } from './i18n';
import { SessionContext, useSession, viewsFor } from './session';
import { Home } from './views/Home';

// Each view is a chunk of its own: the first load carries the shell only.
const IntakeView = lazy(() => import('./views/IntakeView'));
const WorkView = lazy(() => import('./views/WorkView'));
const CasePage = lazy(() => import('./views/CasePage'));
const NotificationsView = lazy(() => import('./views/NotificationsView'));
const MapView = lazy(() => import('./views/MapView'));

type Phase = { kind: 'loading' } | { kind: 'signed-out'; expired: boolean } | { kind: 'signed-in'; user: User } | { kind: 'failed'; message: string };

export function App() {
  const { t } = useTranslation();
  const [config, setConfig] = useState<ConsoleConfig>();
  const [manager, setManager] = useState<UserManager>();
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });

  useEffect(() => {
    let cancelled = false;
    void (async () => {
      try {
        const cfg = await loadConfig();
        const um = userManager(cfg);
        if (cancelled) return;
        setConfig(cfg);
        setManager(um);
        if (window.location.pathname === '/callback') {
          const user = await um.signinRedirectCallback();
          const returnTo = (user.state as { returnTo?: string } | undefined)?.returnTo ?? '/';
          window.history.replaceState(null, '', returnTo.startsWith('/') ? returnTo : '/');
          setPhase({ kind: 'signed-in', user });
          return;
        }
        const user = await um.getUser();
        setPhase(user && !user.expired ? { kind: 'signed-in', user } : { kind: 'signed-out', expired: false });
        um.events.addUserLoaded((u) => setPhase({ kind: 'signed-in', user: u }));
        um.events.addAccessTokenExpired(() => setPhase({ kind: 'signed-out', expired: true }));
      } catch (error) {
        if (!cancelled) setPhase({ kind: 'failed', message: (error as Error).message });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, []);

  const signIn = useCallback(() => {
    // Back where the person was; drafts are in localStorage, so a half-filled form survives.
    void manager?.signinRedirect({ state: { returnTo: window.location.pathname + window.location.search } });
  }, [manager]);

  const user = phase.kind === 'signed-in' ? phase.user : undefined;
  useEffect(() => {
    if (!manager) return;
    configureApi(
      async () => (await manager.getUser())?.access_token,
      () => setPhase({ kind: 'signed-out', expired: true }),
    );
  }, [manager]);

  const session = useMemo(
    () => (user && config && manager ? { person: personOf(user), config, signOut: () => void manager.signoutRedirect({ id_token_hint: user.id_token }) } : undefined),
    [user, config, manager],
  );

  if (phase.kind === 'loading') return <p className="centered">{t('loading')}</p>;
  if (phase.kind === 'failed') return <p className="centered error" role="alert">{t('errors.generic', { detail: phase.message })}</p>;
  if (phase.kind === 'signed-out' || !session) return <SignIn expired={phase.kind === 'signed-out' && phase.expired} onSignIn={signIn} />;
  return (
    <SessionContext.Provider value={session}>
      <BrowserRouter>
        <Shell manager={manager!}>
          <Suspense fallback={<p>{t('loading')}</p>}>
            <Routes>
              <Route path="/" element={<Home />} />
              <Route path="/intake" element={<IntakeView />} />
              <Route path="/work" element={<WorkView />} />
              <Route path="/cases/:id" element={<CasePage />} />
              <Route path="/map" element={<MapView />} />
              <Route path="/notifications" element={<NotificationsView />} />
              <Route path="*" element={<Navigate to="/" replace />} />
            </Routes>
          </Suspense>
        </Shell>
      </BrowserRouter>
    </SessionContext.Provider>
  );
}

function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <label className="language">
      <span className="visually-hidden">{t('language')}</span>
      <select aria-label={t('language')} value={i18n.language} onChange={(e) => setLocale(e.target.value as (typeof LOCALES)[number])}>
        <option value="zh-CN">中文</option>
        <option value="en">English</option>
      </select>
    </label>
  );
}

function SignIn({ expired, onSignIn }: { expired: boolean; onSignIn: () => void }) {
  const { t } = useTranslation();
  return (
    <main className="sign-in">
      <div className="sign-in-card">
        <div className="brand-mark" aria-hidden="true">督</div>
        <h1>{t('brandLong')}</h1>
        <p>{t('signInLead')}</p>
        {expired && <p className="notice" role="status">{t('sessionExpired')}</p>}
        <button type="button" className="primary" onClick={onSignIn}>{t('signIn')}</button>
        <LanguageSwitch />
      </div>
    </main>
  );
}

function Shell({ manager, children }: { manager: UserManager; children: React.ReactNode }) {
  const { t } = useTranslation();
  const { person, signOut } = useSession();
  const [live, setLive] = useState(false);
  useEffect(() => connectLive(async () => (await manager.getUser())?.access_token, setLive), [manager]);
  const views = viewsFor(person.roles);
  return (
    <div className="shell" lang={currentLocale()}>
      <header className="topbar">
        <NavLink to="/" className="brand">
          <span className="brand-mark small" aria-hidden="true">督</span> {t('brand')}
        </NavLink>
        <nav aria-label="main">
          {views.map((v) => (
            <NavLink key={v} to={`/${v}`}>{t(`nav.${v}`)}</NavLink>
          ))}
        </nav>
        <div className="topbar-right">
          <span className={`live ${live ? 'up' : 'down'}`} role="status" aria-live="polite">{live ? t('live') : t('offline')}</span>
          <LanguageSwitch />
          <span className="who" data-testid="who">
            {person.username} · {person.roles.map((r) => t(`roles.${r}`, { defaultValue: r })).join('、')}
          </span>
          <button type="button" onClick={signOut}>{t('signOut')}</button>
        </div>
      </header>
      <main className="content">{children}</main>
    </div>
  );
}
