/** Routes: the sign-in screen until a key is accepted, then the pages. */
import { BrowserRouter, Route, Routes } from "react-router-dom";

import { useAuth } from "./auth/AuthContext";
import { Layout } from "./components/Layout";
import { ErrorPanel, Loading } from "./components/States";
import { AlertsPage } from "./pages/Alerts";
import { DataPage } from "./pages/Data";
import { ExperimentsPage } from "./pages/Experiments";
import { ForecastsPage } from "./pages/Forecasts";
import { ModelsPage } from "./pages/Models";
import { OverviewPage } from "./pages/Overview";
import { ReplenishmentPage } from "./pages/Replenishment";
import { SignIn } from "./pages/SignIn";

function NotFound() {
  return (
    <div className="state">
      <strong>No such page.</strong> Pick one from the menu.
    </div>
  );
}

export function App() {
  const { state, retry } = useAuth();
  if (state.status === "checking") {
    return (
      <main className="signin">
        <Loading label="Checking your session…" />
      </main>
    );
  }
  if (state.status === "unreachable") {
    return (
      <main className="signin">
        <ErrorPanel error={state.error} onRetry={retry} />
      </main>
    );
  }
  if (state.status === "signedOut") return <SignIn reason={state.reason} />;
  return (
    <BrowserRouter>
      <Routes>
        <Route element={<Layout />}>
          <Route index element={<OverviewPage />} />
          <Route path="forecasts" element={<ForecastsPage />} />
          <Route path="replenishment" element={<ReplenishmentPage />} />
          <Route path="alerts" element={<AlertsPage />} />
          <Route path="models" element={<ModelsPage />} />
          <Route path="experiments" element={<ExperimentsPage />} />
          <Route path="data" element={<DataPage />} />
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}
