/** The frame of every page: navigation, who is signed in, sign out. */
import { NavLink, Outlet } from "react-router-dom";

import { useAuth, useCaller } from "../auth/AuthContext";
import { roleLabel, type Role } from "../auth/roles";

export const PAGES = [
  { path: "/", label: "Overview" },
  { path: "/forecasts", label: "Forecasts" },
  { path: "/replenishment", label: "Replenishment" },
  { path: "/alerts", label: "Alerts" },
  { path: "/models", label: "Models" },
  { path: "/experiments", label: "Experiments" },
  { path: "/data", label: "Data" },
] as const;

export function Layout() {
  const caller = useCaller();
  const { signOut } = useAuth();
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="brand">
          <img src="/favicon.svg" alt="" width={24} height={24} />
          ShelfOps
        </div>
        <nav className="nav" aria-label="Pages">
          {PAGES.map((page) => (
            <NavLink key={page.path} to={page.path} end={page.path === "/"}>
              {page.label}
            </NavLink>
          ))}
        </nav>
      </aside>
      <div className="main">
        <header className="topbar">
          <span>
            <strong style={{ color: "var(--text)" }}>{caller.tenant_name}</strong> · signed in as{" "}
            <span data-testid="caller-role">{roleLabel(caller.role as Role)}</span> ({caller.key_name})
          </span>
          <button type="button" onClick={() => signOut()}>
            Sign out
          </button>
        </header>
        <main id="main" tabIndex={-1}>
          <Outlet />
        </main>
      </div>
    </div>
  );
}
