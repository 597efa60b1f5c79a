# rollcall in English. One message per thing said; { $name } and the like are filled in by the
# caller. A language is added by adding its file beside this one (and to `Lang`).

## The native kiosk: one line per face, to the person in front of it.
kiosk-checked-in = Welcome, { $name } ({ $delegation })
kiosk-already-checked-in = Welcome back, { $name }: you are already checked in
kiosk-returned = Welcome back, { $name }
kiosk-checked-out = Goodbye, { $name }
kiosk-already-checked-out = Goodbye, { $name }: you have already left
kiosk-not-checked-in = { $name }, you have not checked in: please use the entrance
kiosk-pending = Please look at the camera
kiosk-unknown = Not recognised: please see the registration desk
kiosk-rejected = Please come closer to the camera
kiosk-spoof-suspected = Please see the registration desk

## Attendance exports (CSV and XLSX): column headers and amendment rows.
export-delegate-id = delegate_id
export-full-name = full_name
export-delegation = delegation
export-method = method
export-checked-in-at = checked_in_at
export-amended-by = amended by { $actor }: { $reason }
