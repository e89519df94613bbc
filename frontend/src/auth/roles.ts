/** Roles are ordered; each includes the ones before it (as the API checks them). */
export const ROLES = ["viewer", "planner", "ml_manager", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Whether `role` may do what `required` may. */
export function atLeast(role: Role | undefined, required: Role): boolean {
  if (role === undefined) return false;
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

/** A role's name for people. */
export function roleLabel(role: Role): string {
  return { viewer: "Viewer", planner: "Planner", ml_manager: "ML manager", admin: "Admin" }[role];
}
