// The first page's reads, sent as the app starts: before React renders and, for a page whose code is
// loaded apart (../app.tsx), while that code loads. The pages ask for the same operations with the same
// variables and take these answers (./graphql-client.ts) instead of waiting for their own round trip.
import type { Route } from '../router';
import {
  CYCLES_QUERY,
  defaultSensors,
  engineVersionParam,
  readableSensors,
  sensorNamesOf,
  TRAJECTORY_QUERY,
  OVERVIEW_QUERY,
} from '../pages/engine-queries';
import { FLEET_CONTEXT_QUERY, FLEET_QUERY, fleetView } from '../pages/fleet-page';
import { dropPrefetched, prefetch } from './graphql-client';
import { VIEWER_QUERY } from './viewer';

export function prefetchRoute({ segments: [section, id], params }: Route): void {
  window.addEventListener('hashchange', dropPrefetched, { once: true });
  prefetch(VIEWER_QUERY, {});
  if (section === undefined) {
    prefetch(FLEET_CONTEXT_QUERY, {});
    // The scored read, as with an active version (the usual case); without one the page reads unscored.
    prefetch(FLEET_QUERY, fleetView(params, true).variables);
  } else if (section === 'engines' && Number.isInteger(Number(id)) && Number(id) > 0) {
    const engineId = Number(id);
    const version = engineVersionParam(params);
    const overview = prefetch(OVERVIEW_QUERY, { id: engineId });
    prefetch(TRAJECTORY_QUERY, { id: engineId, version });
    // The cycles wait for the overview (which sensors), not for the page's code; the page
    // asks for the same sensors with the same answers, unless the operator has left it meanwhile.
    const hash = window.location.hash;
    overview.then(
      (answer) => {
        const sensors = readableSensors(defaultSensors(answer, version), sensorNamesOf(answer, answer.engine?.dataset));
        if (sensors.length && window.location.hash === hash) prefetch(CYCLES_QUERY, { id: engineId, sensors });
      },
      () => undefined,
    );
  }
}
