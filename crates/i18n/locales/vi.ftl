# rollcall bằng tiếng Việt. Mỗi câu một thông điệp; { $name } và các tham số khác do chương
# trình điền vào.

## Máy điểm danh (kiosk): một dòng cho mỗi khuôn mặt.
kiosk-checked-in = Xin chào { $name } ({ $delegation })
kiosk-already-checked-in = Xin chào { $name }: đại biểu đã điểm danh
kiosk-returned = Chào mừng { $name } trở lại hội trường
kiosk-checked-out = Tạm biệt { $name }
kiosk-already-checked-out = Tạm biệt { $name }: đại biểu đã ra khỏi hội trường
kiosk-not-checked-in = { $name } chưa điểm danh: xin mời vào cửa chính
kiosk-pending = Xin vui lòng nhìn vào máy ảnh
kiosk-unknown = Không nhận diện được: xin mời đến bàn đăng ký
kiosk-rejected = Xin vui lòng lại gần máy ảnh hơn
kiosk-spoof-suspected = Xin mời đến bàn đăng ký

## Xuất danh sách điểm danh (CSV và XLSX): tiêu đề cột và dòng sửa đổi.
export-delegate-id = Mã số
export-full-name = Họ và tên
export-delegation = Đoàn đại biểu
export-method = Hình thức
export-checked-in-at = Thời gian điểm danh
export-amended-by = { $actor } sửa đổi: { $reason }
